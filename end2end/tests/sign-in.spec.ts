import { expect, test } from "@playwright/test";

const admin = { email: "admin@demo.lanyard.test", password: "lanyard-demo" };

test("an admin signs in through the real page and sees the hydrated Events page", async ({ page }) => {
  await page.goto("/events");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();

  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/events$/);
  await expect(page.getByRole("heading", { name: "Events", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Import event" })).toBeVisible();
  await expect(page.getByTestId("workspace-name")).toHaveText("Northwind Events (demo)");
  await expect(page.locator("[data-role=ADMIN]")).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();

  // Client-side navigation works once hydrated.
  await page.getByRole("link", { name: "Settings → Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Connect Eventbrite" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/events");
  await expect(page).toHaveURL(/\/login$/);
});

test("a wrong password shows an inline error and stays on the sign-in page", async ({ page }) => {
  await page.goto("/login");
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
  await expect(page).toHaveURL(/\/login$/);
});

test("staff do not see the integrations settings", async ({ page }) => {
  await page.goto("/login");
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await page.getByLabel("Email").fill("staff@demo.lanyard.test");
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("[data-role=STAFF]")).toBeVisible();
  await expect(page.getByRole("link", { name: "Settings → Integrations" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Events", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Import event" })).toHaveCount(0);
});
