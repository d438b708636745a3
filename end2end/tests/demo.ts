// Shared steps for specs that run against the demo workspace and the provider simulator.
// `base` is the app's address when a spec drives an instance of its own.
import { expect, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "child_process";

export const simulator = process.env.SIMULATOR_URL!;
export const eventbriteAccount = "events@northwind.example";

export async function signInAsAdmin(page: Page, base = "") {
  await page.goto(`${base}/login`);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByLabel("Email").fill("admin@demo.lanyard.test");
  await page.getByLabel("Password").fill("lanyard-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/events$/);
}

/// Connects (or reconnects in place) the demo Eventbrite account through the simulator's
/// approve page.
export async function connectEventbrite(page: Page, base = "") {
  await page.goto(`${base}/integrations/eventbrite/connect`);
  await page.getByRole("button", { name: `Allow as ${eventbriteAccount}` }).click();
  await expect(page.locator("[data-provider=EVENTBRITE] [data-status]")).toHaveText("Connected");
}

/// Sets the simulator's faults (latency, error rate, ...); `{}` clears them.
export async function setFaults(page: Page, faults: Record<string, number>) {
  const res = await page.request.put(`${simulator}/admin/faults`, { data: faults });
  expect(res.ok()).toBeTruthy();
}

/// Opens the Import Event dialog and picks the demo Eventbrite account.
export async function openImportDialog(page: Page, base = "") {
  await page.goto(`${base}/events`);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByRole("button", { name: "Import event" }).click();
  const dialog = page.getByRole("dialog", { name: "Import Event" });
  await dialog.getByLabel("Integration").selectOption({ label: `Eventbrite · ${eventbriteAccount}` });
  return dialog;
}

/// Opens the event's page from the Events list and waits for it to hydrate.
export async function openEvent(page: Page, name: string) {
  await page.goto("/events");
  await page.getByRole("link", { name: new RegExp(name) }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
}

/// An ACTIVE event to work on: imported now, or already imported by an earlier spec.
export async function activeEvent(page: Page, name: string) {
  const dialog = await openImportDialog(page);
  const row = dialog.getByRole("listitem").filter({ hasText: name });
  await expect(row).toBeVisible();
  if ((await row.getByText("Already added").count()) === 0) {
    await row.getByRole("button", { name: "Import" }).click();
    await expect(page).toHaveURL(/\/events\/[0-9a-f-]+$/);
    await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  } else {
    await openEvent(page, name);
  }
  await expect(page.getByTestId("syncing-pill")).toBeVisible({ timeout: 60_000 });
}

/// The event's current staff access code, from its Staff Access card.
export async function accessCode(page: Page): Promise<string> {
  const code = page.getByTestId("staff-access-code");
  await expect(code).toHaveText(/^[2-9A-HJ-NP-Z]{6}$/);
  return (await code.innerText()).trim();
}

/// `count` attending attendees not yet checked in, by the table's filters: name and barcode.
export async function notYetIn(page: Page, count: number): Promise<{ name: string; barcode: string; ticket: string }[]> {
  await page.getByLabel("Attendance filter").selectOption("attending");
  await page.getByLabel("Check-in filter").selectOption("not-yet");
  const rows = page.getByTestId("attendee-row");
  await expect(rows.first()).toBeVisible();
  const found = [];
  for (let i = 0; i < count; i++) {
    const name = (await rows.nth(i).locator("td").first().getByRole("button").innerText()).trim();
    await rows.nth(i).locator("td").first().getByRole("button").click();
    const barcode = page.locator("dt", { hasText: "Barcode" }).locator("xpath=following-sibling::dd");
    await expect(barcode).not.toHaveText("—");
    const ticket = page.locator("dt", { hasText: "Ticket" }).locator("xpath=following-sibling::dd");
    found.push({ name, barcode: (await barcode.innerText()).trim(), ticket: (await ticket.innerText()).trim() });
    await page.getByRole("button", { name: "Close", exact: true }).click();
  }
  await page.getByLabel("Attendance filter").selectOption("all");
  await page.getByLabel("Check-in filter").selectOption("all");
  return found;
}

/// Clicks the alert banner's `button`, then, in the recovery dialog titled `title`, re-links
/// the event to the demo Eventbrite account and waits for it to sync again.
export async function recoverThroughDialog(page: Page, button: "Reconnect" | "Retry", title: "Reconnect" | "Set Up Sync") {
  await page.getByTestId("alert-banner").getByRole("button", { name: button }).click();
  const card = page.getByRole("dialog", { name: title }).getByTestId("recovery-integration");
  await expect(card).toContainText(eventbriteAccount);
  await expect(card).toContainText("Connected");
  await card.getByRole("button", { name: "Reconnect with this account" }).click();
  await expect(page.getByTestId("toast")).toHaveText("Reconnecting event");
  await expect(page.getByTestId("syncing-pill")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("alert-banner")).toHaveCount(0);
}

/// Starts an app instance of a spec's own on the shared simulator (demo seed, its own data
/// directory), with `env` on top of the common settings.
export function spawnApp(port: number, dataDir: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.env.E2E_SERVER_BIN ?? "../target/release/lanyard", ["serve", "--demo"], {
    stdio: "ignore",
    env: {
      ...process.env,
      LANYARD_ADDR: `127.0.0.1:${port}`,
      LANYARD_DATA_DIR: dataDir,
      LEPTOS_SITE_ROOT: "../target/site",
      LANYARD_LOG: "warn",
      EVENTBRITE_API_URL: `${simulator}/eventbrite/v3`,
      EVENTBRITE_OAUTH_URL: `${simulator}/eventbrite/oauth`,
      LUMA_API_URL: `${simulator}/luma`,
      EVENTBRITE_CLIENT_ID: "lanyard-demo",
      EVENTBRITE_CLIENT_SECRET: "lanyard-demo-secret",
      LANYARD_SIGN_IN_ACCOUNT_BURST: "1000",
      LANYARD_SIGN_IN_ADDRESS_BURST: "1000",
      ...env,
    },
  });
}
