import { expect, test, type Page } from "@playwright/test";
import { connectEventbrite, setFaults, signInAsAdmin } from "./demo";

async function importedCount(page: Page): Promise<number> {
  const text = await page.getByTestId("imported-count").textContent({ timeout: 1_000 }).catch(() => null);
  return text === null ? -1 : Number(text.replace(/,/g, ""));
}

test("an admin imports an event, watches the counter rise on two pages, and both swap to the full view", async ({ page, context }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);

  await page.getByRole("link", { name: "Events" }).click();
  await page.getByRole("button", { name: "Import event" }).click();
  const dialog = page.getByRole("dialog", { name: "Import Event" });
  await dialog.getByLabel("Integration").selectOption({ label: "Eventbrite · events@northwind.example" });
  const row = dialog.getByRole("listitem").filter({ hasText: "Northwind DevDays 2026" });

  // Slow every provider call so the 16 pages of 50 take seconds, long enough to watch.
  await setFaults(page, { latency_ms: 400 });
  try {
    await row.getByRole("button", { name: "Import" }).click();
    await expect(page).toHaveURL(/\/events\/[0-9a-f-]+$/);
    await expect(page.getByText("Import in progress")).toBeVisible();
    await expect(page.locator("body[data-hydrated=true]")).toBeAttached();

    // The counter rises without a reload.
    await expect.poll(() => importedCount(page), { timeout: 20_000 }).toBeGreaterThan(0);
    const early = await importedCount(page);
    await expect.poll(() => importedCount(page), { timeout: 20_000 }).toBeGreaterThan(early);

    // A second page opened mid-import starts from the current count, not from zero.
    const second = await context.newPage();
    await second.goto(page.url());
    const atOpen = await importedCount(page);
    if (atOpen > 0) {
      await expect.poll(() => importedCount(second), { timeout: 10_000 }).toBeGreaterThanOrEqual(Math.min(atOpen, 800));
    }

    for (const p of [page, second]) {
      await expect(p.getByText("Total Attendees")).toBeVisible({ timeout: 60_000 });
      await expect(p.getByTestId("total-attendees")).toHaveText("800");
      await expect(p.getByTestId("syncing-pill")).toBeVisible();
    }
    await second.close();
  } finally {
    await setFaults(page, {});
  }

  // The Attendees table: paginated and searchable.
  await expect(page.getByTestId("attendees-range")).toHaveText("Showing 1–50 of 800");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("attendees-range")).toHaveText("Showing 51–100 of 800");
  const firstEmail = (await page.getByTestId("attendees-table").locator("tbody tr td").nth(1).textContent())!.trim();
  await page.getByLabel("Search attendees").fill(firstEmail);
  await expect(page.getByTestId("attendees-range")).toHaveText(/Showing 1–\d+ of \d+/);
  await expect(page.getByTestId("attendees-table")).toContainText(firstEmail);
  // A letter in every row (too short for the search's trigram index): counting stops past
  // the page, and paging goes on.
  await page.getByLabel("Search attendees").fill("E");
  await expect(page.getByTestId("attendees-range")).toHaveText("Showing 1–50 of more than 500");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("attendees-range")).toHaveText("Showing 51–100 of more than 500");
  await page.getByLabel("Search attendees").fill("no-such-person-anywhere");
  await expect(page.getByText("No attendees match")).toBeVisible();

  // The same provider event cannot be imported twice.
  await page.getByRole("link", { name: "← Events" }).click();
  await page.getByRole("button", { name: "Import event" }).click();
  await dialog.getByLabel("Integration").selectOption({ label: "Eventbrite · events@northwind.example" });
  await expect(dialog.getByRole("listitem").filter({ hasText: "Northwind DevDays 2026" })).toContainText("Already added");
});
