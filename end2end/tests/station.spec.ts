// Staff stations in a real browser: a phone-sized page opens a station by typed code (the
// input upper-cases as typed), a second page opened by the deep link becomes a print
// station, a ticket code scanned into the phone opens the drawer and "Print Badge & Check
// In" sends the badge, which the print station prints and marks Done while the phone
// watches; then the network drops at the door, check-ins queue, and none is lost when it
// comes back (the admin's own page shows them).
import { expect, test, type Browser, type Page } from "@playwright/test";
import { accessCode, activeEvent, connectEventbrite, notYetIn, openEvent, signInAsAdmin } from "./demo";

const eventName = "Northwind Product Breakfast";
const phoneSize = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/// A new browser context on `url`, hydrated, named `name` at the prompt.
async function openStation(browser: Browser, url: string, name: string, phone: boolean): Promise<Page> {
  const context = await browser.newContext(phone ? phoneSize : {});
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await expect(page).toHaveURL(/\/station$/);
  await page.getByTestId("station-name-input").fill(name);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("station-name")).toHaveText(name);
  return page;
}

test("a phone opens a station by code, checks in a scanned ticket, and the badge prints at a print station opened by deep link", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);
  await activeEvent(page, eventName);
  const code = await accessCode(page);
  const [guest] = await notYetIn(page, 1);

  // A variant badge for the guest's ticket name, made in Settings → Badges with its preview.
  await page.getByRole("link", { name: "Settings → Badges" }).click();
  await expect(page.getByTestId("badge-templates")).toContainText("Default badge");
  await page.getByRole("button", { name: "New variant" }).click();
  const editor = page.getByTestId("badge-editor");
  const variant = `Tickets of ${guest.ticket}`.slice(0, 60);
  await editor.getByTestId("template-name").fill(variant);
  await editor.getByTestId("template-tickets").fill(guest.ticket.toUpperCase());
  await editor.getByTestId("template-size").selectOption({ label: "4 × 6 in" });
  await editor.locator("input[data-field=VIP_MARKER]").click();
  await expect(editor.locator("input[data-field=VIP_MARKER]")).toBeChecked();
  await expect(editor.getByTestId("badge-preview").locator(".badge")).toHaveAttribute("style", /width: 4in; height: 6in/);
  await editor.getByRole("button", { name: "Save template" }).click();
  await expect(page.getByTestId("toast")).toHaveText("Badge template saved");
  await expect(page.getByTestId("badge-templates")).toContainText(variant);

  // The print station: a laptop opened by the Staff Access card's link. Printing is the
  // browser's dialog; here it is counted instead of shown.
  const printer = await openStation(browser, `/staff/${code}`, "Printer A", false);
  await printer.addInitScript(() => {
    (window as any).__printed = 0;
    window.print = () => { (window as any).__printed += 1; };
  });
  await printer.getByTestId("station-mode").click();
  await expect(printer.locator("body[data-hydrated=true]")).toBeAttached();
  await printer.evaluate(() => {
    (window as any).__printed = 0;
    window.print = () => { (window as any).__printed += 1; };
  });
  await expect(printer.getByTestId("station-connection")).toHaveText("Connected");

  // The phone types the code in lower case: the field shows it upper-cased.
  const phoneContext = await browser.newContext(phoneSize);
  const phone = await phoneContext.newPage();
  await phone.goto("/staff");
  await expect(phone.locator("body[data-hydrated=true]")).toBeAttached();
  const input = phone.getByTestId("access-code-input");
  await input.pressSequentially("zz9zz9", { delay: 30 });
  await expect(input).toHaveValue("ZZ9ZZ9");
  await phone.getByRole("button", { name: "Open station" }).click();
  await expect(phone.getByRole("alert")).toHaveText("That code does not open any event. Check it and try again.");
  await input.fill("");
  await input.pressSequentially(code.toLowerCase(), { delay: 30 });
  await expect(input).toHaveValue(code);
  await phone.getByRole("button", { name: "Open station" }).click();
  await expect(phone).toHaveURL(/\/station$/);
  await phone.getByTestId("station-name-input").fill("Door 2");
  await phone.getByRole("button", { name: "Continue" }).click();
  await expect(phone.getByTestId("station-event")).toHaveText(eventName);
  await phone.getByTestId("check-in-mode").click();
  await expect(phone.getByTestId("print-station-chip")).toHaveText("No Station");
  await phone.getByTestId("print-station-chip").click();
  await phone.getByTestId("print-station-picker").getByRole("button", { name: /Printer A/ }).click();
  await expect(phone.getByTestId("print-station-chip")).toHaveText("Printer A · Connected");

  // An unknown code: "Attendee not found." and the way to search.
  const scan = phone.getByTestId("code-input");
  await scan.fill("NOPE-0000");
  await scan.press("Enter");
  await expect(phone.getByTestId("not-found")).toContainText("Attendee not found.");
  await phone.getByTestId("not-found").getByRole("button", { name: "Search attendee…" }).click();
  const [first, ...rest] = guest.name.split(" ");
  await phone.getByTestId("station-search").fill(`${rest.join(" ")} ${first}`);
  await phone.getByTestId("station-search").press("Enter");
  const result = phone.getByTestId("search-results").locator("li").filter({ hasText: guest.name });
  await expect(result).toContainText("Pending");

  // The ticket's code, as a USB scanner types it.
  await scan.fill(guest.barcode);
  await scan.press("Enter");
  const drawer = phone.getByTestId("station-drawer");
  await expect(drawer.getByTestId("drawer-name")).toHaveText(guest.name);
  await drawer.getByRole("button", { name: "Print Badge & Check In" }).click();
  await expect(phone.getByTestId("toast")).toHaveText("Checked in & printing badge");

  // The badge reaches the print station, prints, and the phone sees Done.
  const job = printer.getByTestId("print-job").filter({ hasText: guest.name });
  await expect(job.getByTestId("job-status")).toHaveText("Done");
  await expect(printer.getByTestId("last-badge")).toContainText(first);
  await expect(printer.getByTestId("last-badge").locator(".badge")).toHaveAttribute("data-template", variant);
  // The label's exact size, one badge a page (a <style> has no rendered text: read its source).
  expect(await printer.locator("#print-area style").evaluate((e) => e.textContent)).toContain("size: 4in 6in");
  expect(await printer.evaluate(() => (window as any).__printed)).toBe(1);
  await expect(phone.getByTestId("sent-jobs").getByTestId("job-status").first()).toHaveText("Done");

  // Scanned again: already checked in, so the drawer offers a reprint.
  await scan.fill(guest.barcode);
  await scan.press("Enter");
  await expect(drawer.getByTestId("drawer-earlier")).toContainText("by Door 2");
  await expect(drawer.getByRole("button", { name: "Reprint Badge" })).toBeVisible();

  // The admin's page shows the check-in, by the station.
  await openEvent(page, eventName);
  await page.getByLabel("Search attendees").fill(guest.name);
  const row = page.getByTestId("attendee-row").filter({ hasText: guest.name });
  await expect(row.getByTestId("checked-in")).not.toHaveText("");

  // The print station goes away: the phone's chip says so within seconds.
  await printer.context().close();
  await expect(phone.getByTestId("print-station-chip")).toHaveText("Printer A · Disconnected", { timeout: 15_000 });
});

test("with the network gone at the door, check-ins wait on the phone and all arrive once it is back", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await connectEventbrite(page);
  await activeEvent(page, eventName);
  const code = await accessCode(page);
  const guests = await notYetIn(page, 2);

  const phone = await openStation(browser, `/staff/${code}`, "Door 3", true);
  await phone.getByTestId("check-in-mode").click();
  await expect(phone.getByTestId("roster-count")).not.toHaveText("0 attendees on this phone");

  await phone.context().setOffline(true);
  const scan = phone.getByTestId("code-input");
  for (const guest of guests) {
    await scan.fill(guest.barcode);
    await scan.press("Enter");
    const drawer = phone.getByTestId("station-drawer");
    await expect(drawer.getByTestId("drawer-name")).toHaveText(guest.name);
    await drawer.getByRole("button", { name: "Check In" }).click();
    await expect(drawer).toHaveCount(0);
  }
  await expect(phone.getByTestId("offline-banner")).toHaveText("Offline — 2 check-ins waiting");
  // Found again while offline: the phone's own list knows they are in.
  await scan.fill(guests[0].barcode);
  await scan.press("Enter");
  await expect(phone.getByTestId("station-drawer").getByTestId("drawer-earlier")).toContainText("waiting to send");
  await phone.getByRole("button", { name: "Close" }).click();

  await phone.context().setOffline(false);
  await expect(phone.getByTestId("offline-banner")).toHaveCount(0, { timeout: 20_000 });

  // Both arrived, once each, on the admin's page.
  await openEvent(page, eventName);
  for (const guest of guests) {
    await page.getByLabel("Search attendees").fill(guest.name);
    const row = page.getByTestId("attendee-row").filter({ hasText: guest.name });
    await expect(row.getByTestId("checked-in")).not.toHaveText("");
    await row.locator("td").first().getByRole("button").click();
    const history = page.getByTestId("attendee-history");
    await expect(history.getByText("Checked in", { exact: true })).toHaveCount(1);
    await expect(history).toContainText("Door 3");
    await page.getByRole("button", { name: "Close", exact: true }).click();
  }
});
