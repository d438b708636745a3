import { expect, test } from "@playwright/test";
import { activeEvent, connectEventbrite, eventbriteAccount as account, recoverThroughDialog, setFaults, signInAsAdmin, simulator } from "./demo";

test("the Sync button shows the resync in flight, and a revoked credential is recovered through the Reconnect dialog", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);

  // An ACTIVE event of its own, so this test does not depend on the import test.
  await activeEvent(page, "Northwind Product Breakfast");

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
  await recoverThroughDialog(page, "Reconnect", "Reconnect");
});

test("a sync that keeps failing shows Sync failed, and Retry re-links the event through the Reconnect dialog", async ({ page, context }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);
  await activeEvent(page, "Northwind Product Breakfast");

  // The Events page, open in another tab, follows the card's status without a reload.
  const list = await context.newPage();
  await list.goto("/events");
  await expect(list.locator("body[data-hydrated=true]")).toBeAttached();
  const card = list.getByRole("listitem").filter({ hasText: "Northwind Product Breakfast" });
  await expect(card.locator("[data-status]")).toHaveText("Syncing");

  // Every provider call fails; past its retries (LANYARD_SYNC_RETRIES) the sync gives up.
  await setFaults(page, { error_rate: 1.0 });
  try {
    await page.getByTestId("sync-button").click();
    const banner = page.getByTestId("alert-banner");
    await expect(banner).toContainText("Sync failed", { timeout: 30_000 });
    await expect(page.getByTestId("syncing-pill")).toHaveCount(0);
    await expect(card.locator("[data-status]")).toHaveText("Failed");
  } finally {
    await setFaults(page, {});
  }

  // The provider is back. Retry opens the same dialog, titled Reconnect.
  await recoverThroughDialog(page, "Retry", "Reconnect");
  await expect(card.locator("[data-status]")).toHaveText("Syncing");
});
