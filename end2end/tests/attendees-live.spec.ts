// The desk's place in the Attendees table survives live sync: a search being used while
// scheduled polls start and end, an attendee edited at the provider (its webhook), and a new
// registration that matches the search, all watched on the page without a reload.
//
// This spec runs an app instance of its own that polls every 2 s (the shared one polls each
// minute), on the shared simulator.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { type ChildProcess } from "child_process";
import * as os from "os";
import * as path from "path";
import { connectEventbrite, openImportDialog, signInAsAdmin, simulator, spawnApp } from "./demo";

const port = Number(process.env.E2E_PORT ?? "3100") + 20;
const base = `http://127.0.0.1:${port}`;
const dataDir = path.join(os.tmpdir(), `lanyard-e2e-live-${Date.now()}`);
const eventName = "Northwind Product Breakfast";

let app: ChildProcess;

test.beforeAll(async ({ request }) => {
  app = spawnApp(port, dataDir, { LANYARD_POLL_SECONDS: "2" });
  await healthy(request);
});

test.afterAll(async () => {
  if (app.exitCode === null && app.signalCode === null) {
    const exited = new Promise((resolve) => app.once("exit", resolve));
    app.kill("SIGTERM");
    await exited;
  }
});

async function healthy(request: APIRequestContext) {
  await expect
    .poll(async () => (await request.get(`${base}/healthz`).catch(() => null))?.status() ?? 0, { timeout: 30_000 })
    .toBe(200);
}

type SimEvent = { id: string; name: string; people: { id: string; first_name: string; last_name: string }[] };

async function simEvent(request: APIRequestContext): Promise<SimEvent> {
  const events: SimEvent[] = await (await request.get(`${simulator}/admin/events`)).json();
  return events.find((e) => e.name === eventName)!;
}

async function scheduledChecks(page: Page): Promise<number> {
  return page.getByTestId("sync-history").locator("tbody tr").filter({ hasText: "Scheduled check" }).count();
}

test("a search, a turned page and the scroll survive polls, a provider edit updates its row in place, and a new match appears", async ({ page, request }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page, base);
  await connectEventbrite(page, base);
  const dialog = await openImportDialog(page, base);
  await dialog.getByRole("listitem").filter({ hasText: eventName }).getByRole("button", { name: "Import" }).click();
  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+$/);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await expect(page.getByTestId("syncing-pill")).toBeVisible({ timeout: 60_000 });

  // Times in the event's zone, with its abbreviation; check-ins made at Eventbrite's door count.
  await expect(page.getByTestId("event-dates")).toContainText(/\d{2}:\d{2} (GMT|BST)/);
  await expect(page.getByTestId("checked-in-count")).not.toHaveText("0");
  await expect(page.getByTestId("attendees-table")).toContainText("via Eventbrite");

  const event = await simEvent(request);
  const target = event.people[0];
  const search = page.getByLabel("Search attendees");
  // Typed as a person types: the debounce sends one search when typing pauses.
  await search.pressSequentially(target.last_name, { delay: 60 });
  const rows = page.getByTestId("attendees-table").locator("tbody tr");
  await expect(rows.first()).toContainText(target.last_name);
  await expect.poll(async () => (await rows.allTextContents()).every((t) => t.includes(target.last_name))).toBe(true);
  await page.evaluate(() => {
    (window as any).__sameDocument = true;
    window.scrollTo(0, document.body.scrollHeight);
  });
  const scrolled = await page.evaluate(() => window.scrollY);

  // Polls start and end (the history table gains "Scheduled check" rows); the search stays.
  const before = await scheduledChecks(page);
  await expect.poll(() => scheduledChecks(page), { timeout: 50_000 }).toBeGreaterThanOrEqual(before + 2);
  await expect(search).toHaveValue(target.last_name);
  await expect(rows.first()).toContainText(target.last_name);

  // An edit at the provider: its webhook reaches the row on screen, in place.
  const untouched = rows.filter({ hasNotText: target.first_name }).first();
  const keptNode = await untouched.count() > 0 ? await untouched.elementHandle() : null;
  const edit = await request.patch(`${simulator}/admin/events/${event.id}/attendees/${target.id}`, {
    data: { first_name: "Renamed" },
  });
  expect(edit.ok()).toBeTruthy();
  await expect(page.getByTestId("attendees-table")).toContainText(`Renamed ${target.last_name}`);
  await expect(search).toHaveValue(target.last_name);
  if (keptNode) {
    // The other rows kept their DOM nodes: updated in place, not rebuilt.
    expect(await keptNode.evaluate((n) => n.isConnected)).toBe(true);
  }

  // A new registration that matches the search appears by itself.
  const added = await (await request.post(`${simulator}/admin/events/${event.id}/attendees`)).json();
  const renamed = await request.patch(`${simulator}/admin/events/${event.id}/attendees/${added.id}`, {
    data: { first_name: "Newcomer", last_name: target.last_name },
  });
  expect(renamed.ok()).toBeTruthy();
  await expect(page.getByTestId("attendees-table")).toContainText(`Newcomer ${target.last_name}`);
  await expect(search).toHaveValue(target.last_name);

  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
});

test("the page turned to stays turned while polls come and go", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page, base);
  const dialog = await openImportDialog(page, base);
  await dialog.getByRole("listitem").filter({ hasText: "Northwind DevDays 2026" }).getByRole("button", { name: "Import" }).click();
  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+$/);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await expect(page.getByTestId("syncing-pill")).toBeVisible({ timeout: 60_000 });
  const range = page.getByTestId("attendees-range");
  await expect(range).toHaveText("Showing 1–50 of 800");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(range).toHaveText("Showing 101–150 of 800");
  const before = await scheduledChecks(page);
  await expect.poll(() => scheduledChecks(page), { timeout: 50_000 }).toBeGreaterThanOrEqual(before + 2);
  await expect(range).toHaveText("Showing 101–150 of 800");
});
