import { expect, test, type Page } from "@playwright/test";
import { connectEventbrite, eventbriteAccount as account, setFaults, signInAsAdmin, simulator } from "./demo";

async function openEvent(page: Page, name: string) {
  await page.goto("/events");
  await page.getByRole("link", { name: new RegExp(name) }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
}

test("the Sync button shows the resync in flight, and a revoked credential is recovered through the Reconnect dialog", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);

  // An ACTIVE event of its own, so this test does not depend on the import test.
  await page.goto("/events");
  await page.getByRole("button", { name: "Import event" }).click();
  const importDialog = page.getByRole("dialog", { name: "Import Event" });
  await importDialog.getByLabel("Integration").selectOption({ label: `Eventbrite · ${account}` });
  const row = importDialog.getByRole("listitem").filter({ hasText: "Northwind Product Breakfast" });
  await expect(row).toBeVisible();
  if ((await row.getByText("Already added").count()) === 0) {
    await row.getByRole("button", { name: "Import" }).click();
    await expect(page).toHaveURL(/\/events\/[0-9a-f-]+$/);
  } else {
    await openEvent(page, "Northwind Product Breakfast");
  }
  await expect(page.getByTestId("syncing-pill")).toBeVisible({ timeout: 60_000 });

  // Sync: in flight while the resync runs, enabled again when it ends.
  const sync = page.getByTestId("sync-button");
  await setFaults(page, { latency_ms: 1500 });
  try {
    await sync.click();
    await expect(sync).toBeDisabled();
    await expect(sync).toHaveText(/Syncing/);
  } finally {
    await setFaults(page, {});
  }
  await expect(sync).toBeEnabled({ timeout: 30_000 });
  await expect(sync).toHaveText("Sync");

  // The app is removed on Eventbrite's side: the next sync disconnects the event, live.
  const revoked = await page.request.post(`${simulator}/admin/revoke`, { data: { account_email: account } });
  expect(revoked.status()).toBe(204);
  await sync.click();
  const banner = page.getByTestId("alert-banner");
  await expect(banner).toContainText("Integration disconnected", { timeout: 30_000 });

  // The integration is disconnected too: the dialog offers no account, only the way out.
  await banner.getByRole("button", { name: "Reconnect" }).click();
  const dialog = page.getByRole("dialog", { name: "Reconnect" });
  await expect(dialog.getByTestId("recovery-empty")).toBeVisible();
  await expect(dialog.getByRole("link", { name: "Go to integrations" })).toBeVisible();
  const eventUrl = page.url();

  // Reconnect the provider in Settings, come back, and reconnect the event.
  await connectEventbrite(page);
  await page.goto(eventUrl);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByTestId("alert-banner").getByRole("button", { name: "Reconnect" }).click();
  const card = page.getByRole("dialog", { name: "Reconnect" }).getByTestId("recovery-integration");
  await expect(card).toContainText(account);
  await expect(card).toContainText("Connected");
  await card.getByRole("button", { name: "Reconnect with this account" }).click();
  await expect(page.getByTestId("toast")).toHaveText("Reconnecting event");
  await expect(page.getByTestId("syncing-pill")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("alert-banner")).toHaveCount(0);
});
