import { expect, test } from "@playwright/test";

test("an admin imports an event and the page swaps to the full view when the import ends", async ({ page }) => {
  await page.goto("/login");
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByLabel("Email").fill("admin@demo.lanyard.test");
  await page.getByLabel("Password").fill("lanyard-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/events$/);

  // Connect (or reconnect in place) the demo Eventbrite account.
  await page.goto("/integrations/eventbrite/connect");
  await page.getByRole("button", { name: "Allow as events@northwind.example" }).click();
  await expect(page.locator("[data-provider=EVENTBRITE] [data-status]")).toHaveText("Connected");

  await page.getByRole("link", { name: "Events" }).click();
  await page.getByRole("button", { name: "Import event" }).click();
  const dialog = page.getByRole("dialog", { name: "Import Event" });
  await dialog.getByLabel("Integration").selectOption({ label: "Eventbrite · events@northwind.example" });
  const row = dialog.getByRole("listitem").filter({ hasText: "Northwind DevDays 2026" });
  await row.getByRole("button", { name: "Import" }).click();

  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+$/);
  await expect(page.getByText("Total Attendees")).toBeVisible({ timeout: 60_000 });
  await expect(page.locator("[data-status=ACTIVE]")).toBeVisible();
  await expect(page.locator("dd").first()).toHaveText("800");

  // The same provider event cannot be imported twice.
  await page.getByRole("link", { name: "← Events" }).click();
  await page.getByRole("button", { name: "Import event" }).click();
  await dialog.getByLabel("Integration").selectOption({ label: "Eventbrite · events@northwind.example" });
  await expect(dialog.getByRole("listitem").filter({ hasText: "Northwind DevDays 2026" })).toContainText("Already added");
});
