// Realistic, deterministic cannabis-retail data for pos-bridge: `seedDatabase` adds merchants
// (never touching existing ones) with stores, budtenders, catalogue, inventory, customers and
// 13 months of receipts, bulk-loaded with COPY. Used by the service's first start (the demo
// merchant), by scripts/seed.ts and by benchmarks.
import { sql } from "kysely";
import type pg from "pg";
import { execute, qb, reviewedStatement, run, type TableName } from "../db/sql.js";
import { Tenant } from "../db/tenant.js";
import { withTransaction } from "../lib/write-transaction.js";
import { refreshMonthRollups, refreshReportRollups } from "../reports/rollups.js";
import { seedMerchant } from "./generate.js";
import type { SeedCounts, SeededMerchant, SeedOptions, SeedProgress, SeedSummary } from "./types.js";

export { checkSeedConsistency } from "./check.js";
export type { SeedCounts, SeededMerchant, SeedOptions, SeedProgress, SeedSummary } from "./types.js";

/** The sandbox merchant the service seeds on its first start: small enough to load in seconds. */
export const DEMO_SEED_OPTIONS: Readonly<SeedOptions> = Object.freeze({
  seed: 20260420,
  merchants: 1,
  locationsPerMerchant: 3,
  customersPerMerchant: 2_000,
  productsPerMerchant: 300,
  transactionsPerMerchant: 20_000,
  employeesPerLocation: 4,
  months: 13,
  merchantSlug: "demo",
  merchantName: "Green Leaf Dispensary (demo)",
});

const MERCHANT_NAMES = [
  "Green Leaf Dispensary",
  "Mile High Remedies",
  "Pacific Bloom Cannabis Co.",
  "Desert Sage Dispensary",
  "Evergreen Apothecary",
  "Northern Lights Provisions",
  "Golden Hour Cannabis",
  "Riverbend Wellness",
  "Canyon Road Cannabis",
  "Harbor Leaf Collective",
];

function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "merchant"
  );
}

function assertCount(name: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

/** The window starts `months` calendar months before `now` (same day and time of day, UTC). */
function monthsBefore(now: Date, months: number): number {
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
}

/** Fresh statistics of these tables (names from the schema). */
async function analyze(pool: pg.Pool, tables: TableName[]): Promise<void> {
  await execute(pool, reviewedStatement("command", sql`ANALYZE ${sql.join(tables.map((t) => sql.table(t)))}`));
}

/** A slug nobody has: `base`, else base-2, base-3... */
async function freeSlug(pool: pg.Pool, base: string, taken: Set<string>): Promise<string> {
  const like = `${base.replace(/[\\%_]/g, "\\$&")}-%`;
  const rows = await run(
    pool,
    reviewedStatement(
      "command",
      qb
        .selectFrom("merchants")
        .select("slug")
        .where((eb) => eb.or([eb("slug", "=", base), eb("slug", "like", like)])),
    ),
  );
  for (const r of rows) taken.add(r.slug);
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  taken.add(slug);
  return slug;
}

export async function seedDatabase(
  pool: pg.Pool,
  options: SeedOptions,
  onProgress?: (p: SeedProgress) => void,
): Promise<SeedSummary> {
  const started = performance.now();
  const months = options.months ?? 13;
  assertCount("seed", options.seed, Number.MIN_SAFE_INTEGER);
  assertCount("merchants", options.merchants);
  assertCount("locationsPerMerchant", options.locationsPerMerchant);
  assertCount("customersPerMerchant", options.customersPerMerchant);
  assertCount("productsPerMerchant", options.productsPerMerchant);
  assertCount("transactionsPerMerchant", options.transactionsPerMerchant);
  assertCount("employeesPerLocation", options.employeesPerLocation);
  assertCount("months", months, 1);
  const nowMs = (options.now ?? new Date()).getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError("now is not a valid date");
  const windowStartMs = monthsBefore(new Date(nowMs), months);

  const totals: Record<string, number> = {
    products: options.merchants * options.productsPerMerchant,
    customers: options.merchants * options.customersPerMerchant,
    transactions: options.merchants * options.transactionsPerMerchant,
  };
  const done: Record<string, number> = {};
  const advance = (phase: string, rows: number) => {
    done[phase] = (done[phase] ?? 0) + rows;
    onProgress?.({ phase, done: done[phase]!, total: totals[phase] ?? done[phase]! });
  };

  const summary: SeedSummary = {
    merchants: 0,
    locations: 0,
    employees: 0,
    products: 0,
    inventoryItems: 0,
    customers: 0,
    transactions: 0,
    sales: 0,
    refunds: 0,
    voided: 0,
    anonymous: 0,
    lineItems: 0,
    merchantsCreated: [],
    elapsedMs: 0,
  };
  const taken = new Set<string>();
  for (let index = 0; index < options.merchants; index++) {
    const defaultName =
      MERCHANT_NAMES[index % MERCHANT_NAMES.length]! +
      (index >= MERCHANT_NAMES.length ? ` ${Math.floor(index / MERCHANT_NAMES.length) + 1}` : "");
    const name = index === 0 && options.merchantName ? options.merchantName : defaultName;
    const base = index === 0 && options.merchantSlug ? options.merchantSlug : slugify(name);
    const slug = await freeSlug(pool, base, taken);

    // One database transaction per merchant: a failed seed leaves nothing half-made behind.
    const { id, counts } = await withTransaction(pool, (client) =>
      seedMerchant(
        client,
        {
          index,
          seed: options.seed,
          slug,
          name,
          locations: options.locationsPerMerchant,
          employeesPerLocation: options.employeesPerLocation,
          products: options.productsPerMerchant,
          customers: options.customersPerMerchant,
          transactions: options.transactionsPerMerchant,
          windowStartMs,
          nowMs,
        },
        advance,
      ),
    );
    const merchant: SeededMerchant = { id, slug, name };
    for (const key of Object.keys(counts) as Array<keyof SeedCounts>) summary[key] += counts[key];
    summary.merchantsCreated.push(merchant);
  }

  // Fresh statistics, so the first queries over millions of new rows get good plans.
  onProgress?.({ phase: "analyze", done: 0, total: 1 });
  await analyze(pool, [
    "merchants",
    "locations",
    "employees",
    "products",
    "inventory_items",
    "customers",
    "transactions",
    "line_items",
  ]);
  onProgress?.({ phase: "analyze", done: 1, total: 1 });

  // The reports' rollups of every seeded day, built now rather than by the first reports.
  for (const [i, merchant] of summary.merchantsCreated.entries()) {
    onProgress?.({ phase: "report rollups", done: i, total: summary.merchantsCreated.length });
    const tenant = new Tenant(merchant.id);
    await refreshReportRollups(pool, tenant, null, null);
    await refreshMonthRollups(pool, tenant, null, null);
  }
  await analyze(pool, [
    "sales_daily",
    "sales_daily_lines",
    "sales_monthly_lines",
    "sales_monthly_merchant_lines",
    "customer_first_sales",
    "customer_first_purchases",
    "customer_sales_daily",
    "customer_days",
    "customer_months",
    "customer_month_totals",
    "customer_new_days",
  ]);
  onProgress?.({
    phase: "report rollups",
    done: summary.merchantsCreated.length,
    total: summary.merchantsCreated.length,
  });

  summary.elapsedMs = Math.round(performance.now() - started);
  return summary;
}
