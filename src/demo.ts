// The embedded demo: on the first start, a demo merchant with realistic data and a sandbox key.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "./config/env.js";
import type { Db } from "./db/client.js";
import { first } from "./db/sql.js";
import { createKey } from "./keys/manage.js";
import { merchantBySlug } from "./keys/queries.js";
import { SCOPES } from "./keys/scopes.js";
import { DEMO_SEED_OPTIONS, seedDatabase } from "./seed/index.js";

/** Seeds the demo merchant once (never twice) and makes its sandbox key. */
export async function ensureDemo(db: Db, config: Config, log: (line: string) => void) {
  const keyFile = path.join(path.dirname(path.resolve(config.EMBEDDED_PG_DIR)), "demo-key.txt");
  const demoMerchant = merchantBySlug(DEMO_SEED_OPTIONS.merchantSlug ?? "demo");
  if (await first(db.pool, demoMerchant)) {
    if (existsSync(keyFile)) log(`demo merchant ready; its sandbox key is in ${keyFile}`);
    return;
  }
  log("first start: seeding the demo merchant (takes a few seconds)");
  const summary = await seedDatabase(db.pool, DEMO_SEED_OPTIONS);
  const merchant = (await first(db.pool, demoMerchant))!;
  const { key } = await createKey(db, {
    merchantId: merchant.id,
    name: "demo sandbox",
    scopes: [...SCOPES],
    environment: "test",
  });
  await mkdir(path.dirname(keyFile), { recursive: true });
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  log(`seeded ${JSON.stringify(summary)}`);
  // Printed once, on purpose: the demo's sandbox key is for the developer running it.
  console.log(
    `\n  Sandbox API key for the demo merchant (also in ${keyFile}):\n\n    ${key}\n\n  Try: curl -H "x-apikey: ` +
      `${key}" http://localhost:${config.PORT}/v1/whoami\n`,
  );
}
