// The check-in desk in a real browser: an admin invites a staff member, who joins through
// the link, finds an attendee by their name typed backwards and checks them in, while the
// admin's own page (a search typed on it) sees the row and the Checked in statistic change.
// Then a barcode typed into the search, as a USB scanner types it, opens its attendee with
// check-in as the focused action, and a VIP flag reaches the statistics.
import { expect, test, type Page } from "@playwright/test";
import { activeEvent, connectEventbrite, openEvent, signInAsAdmin, simulator } from "./demo";

const eventName = "Northwind Product Breakfast";

/// A count as the page shows it ("1,234").
async function count(page: Page, testId: string): Promise<number> {
  return Number((await page.getByTestId(testId).innerText()).replace(/,/g, ""));
}

/// Check-ins the arrivals chart counts, once it has loaded in the page (it is made only in
/// the browser, after hydration): 0 while it says "No check-ins yet."
async function arrivals(page: Page): Promise<number> {
  const chart = page.getByTestId("arrivals-chart");
  await expect(chart.or(page.getByText("No check-ins yet."))).toBeVisible();
  if ((await chart.count()) === 0) return 0;
  const label = (await chart.getAttribute("aria-label")) ?? "";
  return Number(/: (\d+) in all/.exec(label)?.[1] ?? "NaN");
}

/// The first attending attendee not yet checked in, by the table's own filters: "First Last".
async function someoneNotYetIn(page: Page): Promise<string> {
  await page.getByLabel("Attendance filter").selectOption("attending");
  await page.getByLabel("Check-in filter").selectOption("not-yet");
  const row = page.getByTestId("attendee-row").first();
  await expect(row).toBeVisible();
  await expect(page.getByTestId("attendees-table").locator("tbody tr").filter({ hasText: "Not attending" })).toHaveCount(0);
  const name = (await row.locator("td").first().getByRole("button").innerText()).trim();
  await page.getByLabel("Attendance filter").selectOption("all");
  await page.getByLabel("Check-in filter").selectOption("all");
  return name;
}

test("a staff member invited by an admin checks in someone found by a reversed name, and the admin's page follows", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);
  await activeEvent(page, eventName);

  // The admin invites a staff member and copies the link.
  await page.getByRole("link", { name: "Settings → Members" }).click();
  await page.getByRole("button", { name: "Invite member" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite member" });
  const email = `dana.${Date.now()}@northwind.example`;
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption({ label: "Staff" });
  await dialog.getByRole("button", { name: "Create invite" }).click();
  const link = (await dialog.getByTestId("invite-link").innerText()).trim();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]+$/);
  await dialog.getByRole("button", { name: "Done" }).click();

  // The invitee joins through the link in a browser of their own.
  const staffContext = await browser.newContext();
  const desk = await staffContext.newPage();
  await desk.goto(link);
  await expect(desk.locator("body[data-hydrated=true]")).toBeAttached();
  await expect(desk.getByTestId("invite-summary")).toContainText("Staff");
  await desk.getByLabel("Your name").fill("Dana Desk");
  await desk.getByLabel("Password").fill("desk-password-1");
  await desk.getByRole("button", { name: "Join workspace" }).click();
  await expect(desk).toHaveURL(/\/events$/);
  await expect(desk.locator("[data-role=STAFF]")).toBeVisible();
  await openEvent(desk, eventName);

  // The admin's page is open on the same event, with a search of its own typed.
  await openEvent(page, eventName);
  const person = await someoneNotYetIn(desk);
  const [first, ...rest] = person.split(" ");
  const last = rest.join(" ");
  const adminSearch = page.getByLabel("Search attendees");
  await adminSearch.pressSequentially(last, { delay: 40 });
  const adminRow = page.getByTestId("attendee-row").filter({ hasText: person });
  await expect(adminRow).toBeVisible();
  await expect(adminRow.getByTestId("checked-in")).toHaveText("");
  const before = await count(page, "checked-in-count");
  const arrivedBefore = await arrivals(page);

  // The desk finds them by the name typed the other way round, and checks them in.
  await desk.getByLabel("Search attendees").pressSequentially(`${last} ${first}`, { delay: 40 });
  const deskRow = desk.getByTestId("attendee-row").filter({ hasText: person });
  await expect(deskRow).toBeVisible();
  await deskRow.getByRole("button", { name: `Check in ${person}` }).click();
  await expect(desk.getByTestId("toast")).toHaveText(`Checked in ${person}`);
  await expect(deskRow.getByTestId("checked-in")).toContainText("by Dana Desk");

  // The admin's page sees it without a reload, its search kept.
  await expect(page.getByTestId("checked-in-count")).toHaveText(String(before + 1).replace(/\B(?=(\d{3})+(?!\d))/g, ","));
  await expect(adminRow.getByTestId("checked-in")).toContainText("by Dana Desk");
  await expect(adminSearch).toHaveValue(last);
  // Its arrivals chart counts the check-in too, the search still typed.
  await expect.poll(() => arrivals(page)).toBe(arrivedBefore + 1);
  await expect(adminSearch).toHaveValue(last);

  // Checking the same person in again counts nothing and says who did it.
  await page.getByRole("button", { name: person, exact: true }).click();
  const drawer = page.getByTestId("attendee-drawer");
  await expect(drawer.getByTestId("attendee-history")).toContainText("Checked in");
  await expect(drawer.getByTestId("attendee-history")).toContainText("Dana Desk");
  await staffContext.close();
});

test("a barcode typed into the search opens its attendee, Enter checks them in, and VIP reaches the statistics", async ({ page }) => {
  test.setTimeout(90_000);
  await signInAsAdmin(page);
  await openEvent(page, eventName);
  const person = await someoneNotYetIn(page);

  // Read the attendee's barcode from their detail.
  await page.getByRole("button", { name: person, exact: true }).click();
  const drawer = page.getByTestId("attendee-drawer");
  await expect(drawer.getByRole("heading", { name: person })).toBeVisible();
  const barcode = (await drawer.locator("dt", { hasText: "Barcode" }).locator("xpath=following-sibling::dd").innerText()).trim();
  expect(barcode.length).toBeGreaterThan(3);
  await drawer.getByRole("button", { name: "Close" }).click();
  await expect(drawer).toHaveCount(0);

  const before = await count(page, "checked-in-count");
  const vipBefore = await count(page, "vip-count");
  // A scanner types fast and presses Enter.
  const search = page.getByLabel("Search attendees");
  await search.pressSequentially(barcode, { delay: 5 });
  await search.press("Enter");
  await expect(drawer.getByRole("heading", { name: person })).toBeVisible();
  const primary = drawer.getByTestId("drawer-check-in");
  await expect(primary).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("toast")).toHaveText(`Checked in ${person}`);
  await expect(drawer.getByTestId("drawer-checked-in")).toContainText("by Avery Admin");
  await expect(page.getByTestId("checked-in-count")).toHaveText(String(before + 1).replace(/\B(?=(\d{3})+(?!\d))/g, ","));

  // VIP from the drawer: the badge and the statistic follow.
  await drawer.getByTestId("drawer-vip").check();
  await expect(drawer.getByText("VIP", { exact: true }).first()).toBeVisible();
  await expect(page.getByTestId("vip-count")).toHaveText(String(vipBefore + 1));
  await drawer.getByRole("button", { name: "Close" }).click();
  await expect(search).toHaveValue(barcode);
  await expect(page.getByTestId("attendee-row").filter({ hasText: person }).getByTestId("vip-badge")).toBeVisible();
});

test("a provider rename with letters beyond ASCII reaches a page where the new name is already typed as a search", async ({ page, request }) => {
  test.setTimeout(90_000);
  await signInAsAdmin(page);
  await openEvent(page, eventName);
  type SimEvent = { id: string; name: string; people: { id: string; first_name: string; last_name: string }[] };
  const events: SimEvent[] = await (await request.get(`${simulator}/admin/events`)).json();
  const event = events.find((e) => e.name === eventName)!;
  const target = event.people[7];

  // The new name, typed before it exists: other case, other word order.
  const search = page.getByLabel("Search attendees");
  const typed = "ØRNVIK żaneta";
  await search.pressSequentially(typed, { delay: 40 });
  const rows = page.getByTestId("attendee-row");
  await expect(page.getByText(`No attendees match “${typed}”.`)).toBeVisible();
  await expect(rows).toHaveCount(0);

  // The provider renames them: the sync writes the new search text and the row appears.
  const edit = await request.patch(`${simulator}/admin/events/${event.id}/attendees/${target.id}`, {
    data: { first_name: "Żaneta", last_name: "Ørnvik", email: "zaneta@ornvik.example" },
  });
  expect(edit.ok()).toBeTruthy();
  await expect(rows.filter({ hasText: "Żaneta Ørnvik" })).toBeVisible({ timeout: 75_000 });
  await expect(rows).toHaveCount(1);
  await expect(search).toHaveValue(typed);

  // Part of a word finds them; their old name no longer does.
  await search.fill("rnvik");
  await expect(rows.filter({ hasText: "Żaneta Ørnvik" })).toBeVisible();
  const old = `${target.first_name} ${target.last_name}`;
  await search.fill(old);
  // The old name's own answer is on screen (nobody, or only namesakes)...
  await expect
    .poll(async () => {
      if (await page.getByText(`No attendees match “${old}”.`).isVisible()) return true;
      const texts = await rows.allTextContents();
      return texts.length > 0 && texts.every((t) => t.includes(target.last_name));
    })
    .toBe(true);
  // ...and she is not in it.
  await expect(rows.filter({ hasText: "Żaneta" })).toHaveCount(0);
});

test("the Staff Access card shows the code and its station link as a QR code, and an admin rotates it", async ({ page }) => {
  test.setTimeout(90_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);
  await activeEvent(page, eventName);
  const card = page.getByTestId("staff-access");
  await expect(card.getByRole("heading", { name: "Staff Access" })).toBeVisible();
  await expect(card.getByText("Enter at /staff or scan QR")).toBeVisible();
  const code = card.getByTestId("staff-access-code");
  await expect(code).toHaveText(/^[2-9A-HJ-NP-Z]{6}$/);
  const before = (await code.innerText()).trim();
  await expect(card.getByTestId("staff-access-link")).toHaveText(new RegExp(`/staff/${before}$`));
  await expect(card.getByTestId("staff-access-qr").locator("svg")).toBeVisible();
  await card.getByRole("button", { name: "Copy" }).click();
  await expect(card.getByRole("button", { name: "Copied" })).toBeVisible();

  // Rotating asks first; Cancel keeps the code.
  await card.getByRole("button", { name: "Rotate code" }).click();
  await expect(card.getByRole("alert")).toContainText("stops working at once");
  await card.getByRole("button", { name: "Cancel" }).click();
  await expect(code).toHaveText(before);
  await card.getByRole("button", { name: "Rotate code" }).click();
  await card.getByRole("button", { name: "Rotate", exact: true }).click();
  await expect(page.getByText("Staff access code rotated")).toBeVisible();
  await expect(code).not.toHaveText(before);
  await expect(code).toHaveText(/^[2-9A-HJ-NP-Z]{6}$/);
  const after = (await code.innerText()).trim();
  await expect(card.getByTestId("staff-access-link")).toHaveText(new RegExp(`/staff/${after}$`));
  // What the page shows is what the server now holds: a reload shows the new code.
  await page.reload();
  await expect(page.getByTestId("staff-access-code")).toHaveText(after);
});
