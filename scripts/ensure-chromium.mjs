// Runs before `npm test`: the docs page is checked in a real headless browser (test/docs), and
// browsers cannot be downloaded by npm packages here. Debian's chromium is used instead; install
// it when it is missing and we are allowed to (root with apt-get), otherwise say what to do.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (existsSync(CHROMIUM)) process.exit(0);

const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
if (!canApt) {
  console.error(
    `The docs-page test needs Chromium at ${CHROMIUM}. Install it (Debian/Ubuntu: sudo apt-get install -y ` +
      `chromium),\nor set CHROMIUM_PATH to a Chromium or Chrome binary.`,
  );
  process.exit(1);
}
console.log("Installing Debian's chromium for the docs-page browser test (once)…");
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
