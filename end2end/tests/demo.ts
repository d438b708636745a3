// Shared steps for specs that run against the demo workspace and the provider simulator.
import { expect, type Page } from "@playwright/test";

export const simulator = process.env.SIMULATOR_URL!;
export const eventbriteAccount = "events@northwind.example";

export async function signInAsAdmin(page: Page) {
  await page.goto("/login");
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByLabel("Email").fill("admin@demo.lanyard.test");
  await page.getByLabel("Password").fill("lanyard-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/events$/);
}

/// Connects (or reconnects in place) the demo Eventbrite account through the simulator's
/// approve page.
export async function connectEventbrite(page: Page) {
  await page.goto("/integrations/eventbrite/connect");
  await page.getByRole("button", { name: `Allow as ${eventbriteAccount}` }).click();
  await expect(page.locator("[data-provider=EVENTBRITE] [data-status]")).toHaveText("Connected");
}

/// Sets the simulator's faults (latency, error rate, ...); `{}` clears them.
export async function setFaults(page: Page, faults: Record<string, number>) {
  const res = await page.request.put(`${simulator}/admin/faults`, { data: faults });
  expect(res.ok()).toBeTruthy();
}
