// Seeds realistic data into the database:
//   npx tsx scripts/seed.ts --merchants 1 --locations 3 --customers 200000 --products 3000 \
//     --transactions 1000000 --employees 4 --seed 42 --months 13
// Uses DATABASE_URL when set; otherwise the embedded PostgreSQL the service uses (EMBEDDED_PG_DIR,
// default .data/postgres; EMBEDDED_PG_PORT, default 54329): as is while `npm start` runs it,
// started for the seed otherwise. Migrated first. Settings from .env too (the real environment wins).
// It only adds merchants: a slug that exists already gets a "-2", "-3"... suffix.
import { parseArgs } from "node:util";
import { loadDotEnv } from "../src/config/dotenv.js";
import { parseEnv } from "../src/config/env.js";
import { createDb } from "../src/db/client.js";
import { applyMigrations } from "../src/db/migrations.js";
import { type CommandDatabase, openCommandDatabase } from "../src/db/open.js";
import { runCommand } from "../src/lib/describe-error.js";
import { type SeedOptions, type SeedProgress, type SeedSummary, seedDatabase } from "../src/seed/index.js";

const USAGE = `Usage: npx tsx scripts/seed.ts [options]

Adds merchants with stores, budtenders, products, inventory, customers and receipts.

Options (per merchant unless said otherwise):
  --merchants N      merchants to add (default 1)
  --locations N      stores per merchant (default 3)
  --customers N      customers (default 2000)
  --products N       products (default 300)
  --transactions N   receipts, sales plus ~2% refunds (default 20000)
  --employees N      budtenders per store (default 4)
  --months N         months of history before now (default 13)
  --seed N           random seed: same seed and options, same data (default 42)
  --slug SLUG        slug of the first merchant (default from its name; "-2"... if taken)
  --name NAME        name of the first merchant
  --now ISO-TIME     end of the history window (default: now), for reproducible data
  -h, --help         this text

Database: DATABASE_URL if set, else the embedded PostgreSQL in EMBEDDED_PG_DIR
(default .data/postgres) on EMBEDDED_PG_PORT (default 54329), the running one of
\`npm start\` if there is one. Settings from .env too (the real environment wins).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parseArgv() {
  try {
    return parseArgs({
      strict: true,
      allowPositionals: false,
      options: {
        merchants: { type: "string", default: "1" },
        locations: { type: "string", default: "3" },
        customers: { type: "string", default: "2000" },
        products: { type: "string", default: "300" },
        transactions: { type: "string", default: "20000" },
        employees: { type: "string", default: "4" },
        months: { type: "string", default: "13" },
        seed: { type: "string", default: "42" },
        slug: { type: "string" },
        name: { type: "string" },
        now: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
}

function parseOptions(): SeedOptions {
  const parsed = parseArgv();
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name: string, value: string, min: number) => {
    if (!/^-?\d+$/.test(value.replaceAll("_", "")) || Number(value.replaceAll("_", "")) < min) {
      fail(`--${name} must be an integer >= ${min}, got "${value}"`);
    }
    return Number(value.replaceAll("_", ""));
  };
  let now: Date | undefined;
  if (v.now !== undefined) {
    now = new Date(v.now);
    if (Number.isNaN(now.getTime())) fail(`--now must be an ISO date-time, got "${v.now}"`);
  }
  if (v.slug !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(v.slug))
    fail(`--slug must be lower-case letters, digits and dashes`);
  return {
    seed: int("seed", v.seed, Number.MIN_SAFE_INTEGER),
    merchants: int("merchants", v.merchants, 1),
    locationsPerMerchant: int("locations", v.locations, 1),
    customersPerMerchant: int("customers", v.customers, 0),
    productsPerMerchant: int("products", v.products, 1),
    transactionsPerMerchant: int("transactions", v.transactions, 0),
    employeesPerLocation: int("employees", v.employees, 0),
    months: int("months", v.months, 1),
    ...(v.slug !== undefined ? { merchantSlug: v.slug } : {}),
    ...(v.name !== undefined ? { merchantName: v.name } : {}),
    ...(now ? { now } : {}),
  };
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** One updating status line on stderr (a plain line per phase when stderr is not a terminal). */
function progressPrinter() {
  const tty = process.stderr.isTTY;
  let phase = "";
  let phaseStart = performance.now();
  let lastPrint = 0;
  return {
    update(p: SeedProgress) {
      const now = performance.now();
      if (p.phase !== phase) {
        if (tty && phase) process.stderr.write("\n");
        phase = p.phase;
        phaseStart = now;
      }
      const finished = p.done >= p.total;
      if (!finished && now - lastPrint < (tty ? 200 : 5000)) return;
      lastPrint = now;
      const elapsed = (now - phaseStart) / 1000;
      const rate = elapsed > 0 ? p.done / elapsed : 0;
      const eta = rate > 0 && !finished ? ` ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}` : "";
      const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : "100.0";
      const line =
        `${p.phase.padEnd(12)} ${p.done.toLocaleString("en-US")}/${p.total.toLocaleString("en-US")} ` +
        `(${pct}%) ${Math.round(rate).toLocaleString("en-US")}/s${eta}`;
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    end() {
      if (tty && phase) process.stderr.write("\n");
      phase = "";
    },
  };
}

function printSummary(s: SeedSummary): void {
  const rows = s.locations + s.employees + s.products + s.inventoryItems + s.customers + s.transactions + s.lineItems;
  const lines = [
    `Seeded in ${formatDuration(s.elapsedMs)} (${Math.round(rows / (s.elapsedMs / 1000)).toLocaleString("en-US")} ` +
      `rows/s):`,
    ...s.merchantsCreated.map((m) => `  merchant ${m.slug} (${m.name}) id ${m.id}`),
    `  locations ${s.locations}, employees ${s.employees}, products ${s.products}, inventory items ${s.inventoryItems}`,
    `  customers ${s.customers}`,
    `  transactions ${s.transactions} (sales ${s.sales}, refunds ${s.refunds}, voided ${s.voided}, anonymous ` +
      `${s.anonymous})`,
    `  line items ${s.lineItems}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  loadDotEnv();
  const config = parseEnv();
  let database: CommandDatabase | null = null;
  const stop = async () => {
    const d = database;
    database = null;
    if (d) await d.release();
  };
  process.once("SIGINT", () => {
    process.stderr.write("\ninterrupted: stopping\n");
    void stop().finally(() => process.exit(130));
  });
  try {
    database = await openCommandDatabase(config);
    const { url } = database;
    const applied = await applyMigrations(url);
    if (applied.length > 0) process.stderr.write(`applied migrations: ${applied.join(", ")}\n`);
    const db = createDb({ url, poolMax: 2 });
    const progress = progressPrinter();
    try {
      const summary = await seedDatabase(db.pool, options, (p) => progress.update(p));
      progress.end();
      printSummary(summary);
    } finally {
      progress.end();
      await db.close();
    }
  } finally {
    await stop();
  }
}

runCommand("seed", main);
