// The station's camera and its first load, in a real Chromium: a ticket's QR code held up to
// a (fake) camera opens the attendee's drawer, and a phone on a throttled network loads the
// station page cold, its wasm compressed, within the budget.
import { chromium, expect, test } from "@playwright/test";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import QRCode from "qrcode";
import { accessCode, activeEvent, connectEventbrite, notYetIn, signInAsAdmin } from "./demo";

const eventName = "Northwind Product Breakfast";
const phoneSize = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/// A Y4M video (what Chromium's fake camera plays, looping) of `text` as a QR code: grey
/// levels only, dark modules on a white card with its quiet zone, centred in 640 × 480.
function qrVideo(text: string): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const size: number = qr.modules.size;
  const [width, height, scale, quiet] = [640, 480, 8, 4];
  const side = (size + 2 * quiet) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 60);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - quiet;
      const my = Math.floor(y / scale) - quiet;
      const dark = mx >= 0 && my >= 0 && mx < size && my < size && qr.modules.get(my, mx);
      luma[(top + y) * width + left + x] = dark ? 16 : 235;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma, chroma]);
  const file = path.join(os.tmpdir(), `lanyard-qr-${Date.now()}.y4m`);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), ...Array(10).fill(frame)]));
  return file;
}

// Chromium on Linux has no BarcodeDetector, so the page decodes frames itself with `quircs`.
// Where a browser has one (Chrome on Android), the page uses it: the second run stands one in,
// shaped as the Shape Detection API specifies (`getSupportedFormats()`, `detect(video)`
// resolving to `[{ rawValue }]`), which reports the ticket's code once the camera's frames
// flow. It proves the wiring, not the platform's reader.
for (const decoder of ["quircs", "BarcodeDetector"] as const) {
  test(`a ticket's QR code shown to the camera opens the attendee and checks them in (${decoder})`, async ({ page, baseURL }) => {
    test.setTimeout(120_000);
    await signInAsAdmin(page);
    await connectEventbrite(page);
    await activeEvent(page, eventName);
    const code = await accessCode(page);
    const [{ name, barcode }] = await notYetIn(page, 1);

    const video = qrVideo(barcode);
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    try {
      const context = await browser.newContext({ ...phoneSize, baseURL, permissions: ["camera"] });
      if (decoder === "BarcodeDetector") {
        await context.addInitScript((code: string) => {
          (window as any).BarcodeDetector = class {
            static async getSupportedFormats() {
              return ["qr_code", "ean_13"];
            }
            constructor(options: { formats: string[] }) {
              if (!options.formats.includes("qr_code")) throw new TypeError("no such format");
            }
            async detect(source: HTMLVideoElement) {
              (window as any).detectCalls = ((window as any).detectCalls ?? 0) + 1;
              return source.videoWidth > 0 ? [{ rawValue: code, format: "qr_code" }] : [];
            }
          };
        }, barcode);
      }
      const phone = await context.newPage();
      await phone.goto(`/staff/${code}`);
      await expect(phone.locator("body[data-hydrated=true]")).toBeAttached();
      await phone.getByTestId("station-name-input").fill("Door 4");
      await phone.getByRole("button", { name: "Continue" }).click();
      await phone.getByTestId("check-in-mode").click();
      await phone.getByTestId("scan-ticket").click();
      await expect(phone.getByTestId("scanner")).toBeVisible();
      const drawer = phone.getByTestId("station-drawer");
      await expect(drawer.getByTestId("drawer-name")).toHaveText(name, { timeout: 15_000 });
      await drawer.getByRole("button", { name: "Check In" }).click();
      await expect(phone.getByTestId("toast")).toHaveText("Checked in");
      await expect(drawer).toHaveCount(0);
      await phone.getByTestId("scanner").getByRole("button", { name: "Close" }).click();
      await expect(phone.getByTestId("scanner")).toBeHidden();
      // Which reader decoded: the stand-in's calls, or (no BarcodeDetector at all) quircs.
      const seen = await phone.evaluate(() => ({
        detector: "BarcodeDetector" in window,
        detectCalls: (window as any).detectCalls ?? 0,
      }));
      if (decoder === "BarcodeDetector") expect(seen.detectCalls).toBeGreaterThan(0);
      else expect(seen).toEqual({ detector: false, detectCalls: 0 });
    } finally {
      await browser.close();
      fs.rmSync(video, { force: true });
    }
  });
}

// The phone's whole way in, cold and on "Fast 4G": /staff, the code, the name, Check-in mode.
// The admin's pages are wasm chunks of their own (`--split`) that a phone never fetches; the
// phone's pages and the QR decoder are in the main module, the one wasm file on the way.
const WASM_BUDGET_KB = 400;

test("a phone opens a station cold on Fast 4G: /staff in under 3 s, at most 400 KB of wasm over the wire by Check-in mode, every file brotli under a hashed, immutable name", async ({ browser, page: admin }, testInfo) => {
  test.setTimeout(120_000);
  await signInAsAdmin(admin);
  await connectEventbrite(admin);
  await activeEvent(admin, eventName);
  const code = await accessCode(admin);

  const context = await browser.newContext(phoneSize);
  const page = await context.newPage();
  const sizes: Promise<{ url: string; encoded: number }>[] = [];
  page.on("requestfinished", (request) => {
    if (new URL(request.url()).pathname.endsWith(".wasm")) {
      sizes.push(request.sizes().then((s) => ({ url: request.url(), encoded: s.responseBodySize })));
    }
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  // DevTools' "Fast 4G" preset (Chromium's SDK NetworkManager): 9 Mbit/s down and 1.5 Mbit/s
  // up, each at 90 %, and 60 ms × 2.75 of latency.
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 165,
    downloadThroughput: (9_000_000 / 8) * 0.9,
    uploadThroughput: (1_500_000 / 8) * 0.9,
  });
  const started = Date.now();
  await page.goto("/staff");
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached({ timeout: 20_000 });
  const loaded = Date.now() - started;
  const [main] = await page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .filter((e) => /\/pkg\/lanyard\.[^/.]+\.wasm$/.test(e.name))
      .map((e) => ({ encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
  );
  expect(main.encoded).toBeLessThan(main.decoded / 3);

  await page.getByTestId("access-code-input").fill(code);
  await page.getByRole("button", { name: "Open station" }).click();
  await page.getByTestId("station-name-input").fill("Door 5");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByTestId("check-in-mode").click();
  await expect(page.getByTestId("scan-ticket")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("print-station-chip")).toBeVisible();
  const opened = Date.now() - started;
  const wasm = await Promise.all(sizes);

  const total = wasm.reduce((sum, w) => sum + w.encoded, 0);
  const report = `/staff cold ${loaded} ms (main wasm ${(main.encoded / 1024).toFixed(0)} KB over the wire, ${(main.decoded / 1024).toFixed(0)} KB unpacked); Check-in mode on screen at ${opened} ms (typing included); ${wasm.length} wasm files, ${(total / 1024).toFixed(0)} KB over the wire in all`;
  console.log(`station, Fast 4G: ${report}`);
  testInfo.annotations.push({ type: "measured", description: report });
  expect(wasm.map((w) => w.url)).toHaveLength(1);
  for (const { url } of wasm) {
    expect(url).toMatch(/\/pkg\/[^/]+\.[^/.]+\.wasm$/);
    const res = await page.request.get(url, { headers: { "accept-encoding": "br" } });
    expect(res.headers()["content-encoding"], url).toBe("br");
    expect(res.headers()["cache-control"], url).toBe("public, max-age=31536000, immutable");
  }
  expect(total).toBeLessThanOrEqual(WASM_BUDGET_KB * 1024);
  expect(loaded).toBeLessThan(3_000);
  await context.close();
});
