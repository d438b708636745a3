import { defineConfig, devices } from "@playwright/test";
import * as os from "os";
import * as path from "path";

const port = process.env.E2E_PORT ?? "3100";
const baseURL = `http://127.0.0.1:${port}`;
const simulatorAddr = process.env.E2E_SIMULATOR_ADDR ?? "127.0.0.1:3901";
// Tests drive the provider simulator's admin API (create a calendar, revoke a key).
process.env.SIMULATOR_URL = `http://${simulatorAddr}`;
// A fresh data directory per run: the demo seed and a new SQLite database every time.
const dataDir = path.join(os.tmpdir(), `lanyard-e2e-${Date.now()}`);

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    // The release build (`make build`): hashed, precompressed assets, as served in production.
    command: `${process.env.E2E_SERVER_BIN ?? "../target/release/lanyard"} serve --demo`,
    url: `${baseURL}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      LANYARD_ADDR: `127.0.0.1:${port}`,
      LANYARD_DATA_DIR: dataDir,
      LEPTOS_SITE_ROOT: "../target/site",
      LANYARD_LOG: "warn",
      LANYARD_SIMULATOR_ADDR: simulatorAddr,
      // A sync under a 5xx storm gives up after about 1.5 s instead of 30.
      LANYARD_SYNC_RETRIES: "2",
      // Every spec signs in as the demo admin: the per-account throttle would refuse the
      // suite's rapid sign-ins (the throttle itself is tested in tests/api/members.rs).
      LANYARD_SIGN_IN_ACCOUNT_BURST: "1000",
      LANYARD_SIGN_IN_ADDRESS_BURST: "1000",
    },
  },
});
