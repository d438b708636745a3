import { expect, test } from "@playwright/test";
import { signInAsAdmin, simulator } from "./demo";

test("an admin connects Eventbrite through OAuth and Luma with a key, then a revoked key turns Disconnected", async ({ page, request }) => {
  await signInAsAdmin(page);
  await page.getByRole("link", { name: "Settings → Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations", exact: true })).toBeVisible();

  // Declining on Eventbrite's page comes back to the Integrations page with a clear word.
  await page.getByRole("link", { name: "Connect Eventbrite" }).click();
  await expect(page).toHaveURL(new RegExp(`^${simulator}/eventbrite/oauth/authorize\\?`));
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page).toHaveURL(/\/settings\/integrations\?error=eventbrite_denied$/);
  await expect(page.getByTestId("oauth-declined")).toContainText("Eventbrite authorisation was declined");

  // Eventbrite: the real redirect dance through the simulator's approve page.
  await page.getByRole("link", { name: "Connect Eventbrite" }).click();
  await expect(page).toHaveURL(new RegExp(`^${simulator}/eventbrite/oauth/authorize\\?`));
  await page.getByRole("button", { name: "Allow as events@northwind.example" }).click();
  await expect(page).toHaveURL(/\/settings\/integrations\?connected=eventbrite$/);
  const eventbrite = page.locator("[data-provider=EVENTBRITE]");
  await expect(eventbrite).toContainText("events@northwind.example");
  await expect(eventbrite.locator("[data-status]")).toHaveText("Connected");

  // Luma: a calendar made for this test, its key pasted into the form.
  const created = await request.post(`${simulator}/admin/accounts`, {
    data: { provider: "luma", email: "e2e-calendar@northwind.example", name: "E2E Calendar" },
  });
  const { credential: key, account_id: calendar } = await created.json();
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByRole("button", { name: "Connect Luma" }).click();
  await page.getByLabel("Luma API key").fill("secret-not-a-real-key");
  await page.getByRole("button", { name: "Save key" }).click();
  await expect(page.getByRole("alert")).toContainText("rejected this key");
  await page.getByLabel("Luma API key").fill(key);
  await page.getByRole("button", { name: "Save key" }).click();
  const luma = page.locator("[data-provider=LUMA]", { hasText: "e2e-calendar@northwind.example" });
  await expect(luma.locator("[data-status]")).toHaveText("Connected");
  await expect(eventbrite.locator("[data-status]")).toHaveText("Connected");

  // Revoke the key at the provider; the next call finds out.
  await request.post(`${simulator}/admin/revoke`, { data: { credential: key } });
  await luma.getByRole("button", { name: "Check connection" }).click();
  await expect(luma.locator("[data-status]")).toHaveText("Disconnected");
  await expect(eventbrite.locator("[data-status]")).toHaveText("Connected");

  // Reconnect on the card with a new key for the calendar: the same card comes back.
  const fresh = await request.post(`${simulator}/admin/accounts/${calendar}/credentials`);
  const { credential: newKey } = await fresh.json();
  await luma.getByRole("button", { name: "Reconnect" }).click();
  await expect(page.getByRole("heading", { name: "Reconnect Luma" })).toBeVisible();
  await page.getByLabel("Luma API key").fill(newKey);
  await page.getByRole("button", { name: "Save key" }).click();
  await expect(luma.locator("[data-status]")).toHaveText("Connected");
  await expect(page.locator("[data-provider=LUMA]", { hasText: "e2e-calendar@northwind.example" })).toHaveCount(1);
});
