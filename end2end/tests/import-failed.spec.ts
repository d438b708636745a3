// An import cut off by a crash: the app is killed mid-import and started again. Once the job
// has used its attempts the event is PENDING with no job: "Import failed", and Retry opens
// the recovery dialog titled "Set Up Sync".
//
// This spec runs an app instance of its own (it must kill it), on the shared simulator, so
// the provider keeps its tokens and events across the crash as a real one would.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { type ChildProcess } from "child_process";
import * as os from "os";
import * as path from "path";
import { connectEventbrite, openImportDialog, recoverThroughDialog, setFaults, signInAsAdmin, simulator, spawnApp } from "./demo";

const port = Number(process.env.E2E_PORT ?? "3100") + 10;
const base = `http://127.0.0.1:${port}`;
const dataDir = path.join(os.tmpdir(), `lanyard-e2e-crash-${Date.now()}`);

function start(): ChildProcess {
  // A crashed job is claimed again 2 s later, and one crash uses up its attempts.
  return spawnApp(port, dataDir, { LANYARD_JOB_LEASE_SECONDS: "2", LANYARD_JOB_MAX_ATTEMPTS: "1" });
}

async function healthy(request: APIRequestContext) {
  await expect
    .poll(async () => (await request.get(`${base}/healthz`).catch(() => null))?.status() ?? 0, { timeout: 30_000 })
    .toBe(200);
}

async function stop(app: ChildProcess, signal: NodeJS.Signals) {
  if (app.exitCode !== null || app.signalCode !== null) return;
  const exited = new Promise((resolve) => app.once("exit", resolve));
  app.kill(signal);
  await exited;
}

let app: ChildProcess | undefined;
test.afterEach(async () => {
  if (app) await stop(app, "SIGTERM");
});

test("an import cut off by a crash shows Import failed, and Retry sets up sync again", async ({ page }) => {
  test.setTimeout(150_000);
  app = start();
  await healthy(page.request);
  await signInAsAdmin(page, base);
  await connectEventbrite(page, base);

  // 5,000 attendees at 150 ms a page: the import takes about 15 s, time to kill it.
  const dialog = await openImportDialog(page, base);
  const row = dialog.getByRole("listitem").filter({ hasText: "Northwind Summit" });
  await setFaults(page, { latency_ms: 150 });
  try {
    await row.getByRole("button", { name: "Import" }).click();
    await expect(page).toHaveURL(/\/events\/[0-9a-f-]+$/);
    await expect(page.getByText("Import in progress")).toBeVisible();
    await expect
      .poll(async () => Number(((await page.getByTestId("imported-count").textContent({ timeout: 1_000 }).catch(() => null)) ?? "0").replace(/,/g, "")), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    await stop(app, "SIGKILL");
  } finally {
    await setFaults(page, {});
  }

  // Started again, the app finds the job's lease expired and its attempts used up.
  app = start();
  await healthy(page.request);
  await page.reload();
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  const banner = page.getByTestId("alert-banner");
  await expect(banner).toContainText("Import failed", { timeout: 30_000 });
  await expect(page.getByText("Import in progress")).toHaveCount(0);

  await recoverThroughDialog(page, "Retry", "Set Up Sync");
  await expect(page.getByTestId("total-attendees")).toHaveText("5,000");
});
