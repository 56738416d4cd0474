// Runs before `npm test`: the alert rules (ops/prometheus/alerts.yml) are checked and unit-tested
// by Prometheus's own promtool (test/metrics/ops.test.ts). Debian's `prometheus` package provides
// it; install it when it is missing and we are allowed to (root with apt-get). Where it cannot be
// installed the test still parses every rule with the PromQL parser, and says which check ran.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const PROMTOOL = process.env.PROMTOOL_PATH ?? "/usr/bin/promtool";
if (existsSync(PROMTOOL)) process.exit(0);

const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
if (!canApt) {
  console.warn(
    `promtool is not at ${PROMTOOL}: the alert rules will be checked by the PromQL parser only. Install it ` +
      `(Debian/Ubuntu: sudo apt-get install -y prometheus), or set PROMTOOL_PATH.`,
  );
  process.exit(0);
}
console.log("Installing Debian's prometheus for promtool, to check the alert rules (once)…");
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "prometheus"], { stdio: "inherit", env });
