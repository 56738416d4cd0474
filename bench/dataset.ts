// The bench's database: an embedded PostgreSQL in a git-ignored folder, seeded once with the
// seeder and reused by every later run. The marker is the data itself: the merchant's slug with
// the expected counts of stores, customers, products and receipts. A folder holding something
// else is refused rather than reseeded on top (the seeder only adds merchants).
import pg from "pg";
import { createDb } from "../src/db/client.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../src/db/embedded.js";
import { EMBEDDED_DATABASE } from "../src/db/open.js";
import { applyMigrations } from "../src/db/migrations.js";
import { seedDatabase, type SeedOptions } from "../src/seed/index.js";
import { removeBenchWrites } from "./writes.js";

export interface DatasetSpec {
  /** Where the embedded PostgreSQL keeps its data (git-ignored). */
  dir: string;
  seed: SeedOptions & { merchantSlug: string };
}

const COMMON = { seed: 42, merchants: 1, employeesPerLocation: 4, months: 13, merchantSlug: "green-leaf-dispensary" } as const;

/** The database: 1,000,000 receipts (about 3 lines each), 200,000 customers, 3,000 products, 5 stores. */
export const FULL_DATASET: DatasetSpec = {
  dir: ".data/bench",
  seed: { ...COMMON, locationsPerMerchant: 5, customersPerMerchant: 200_000, productsPerMerchant: 3_000, transactionsPerMerchant: 1_000_000 },
};

/** `--quick`: the same shape, small enough to seed in seconds, for working on the bench itself. */
export const QUICK_DATASET: DatasetSpec = {
  dir: ".data/bench-quick",
  seed: { ...COMMON, locationsPerMerchant: 3, customersPerMerchant: 10_000, productsPerMerchant: 500, transactionsPerMerchant: 50_000 },
};

export interface Dataset {
  url: string;
  merchantId: string;
  counts: Counts;
  /** True when this run seeded it (and how long that took). */
  seededMs: number | null;
  stop(): Promise<void>;
}

interface Counts {
  locations: number;
  customers: number;
  products: number;
  transactions: number;
  lineItems: number;
}

async function countsOf(client: pg.Client, merchantId: string): Promise<Counts> {
  const { rows } = await client.query<Record<keyof Counts, number>>(
    `SELECT (SELECT count(*)::int FROM locations WHERE merchant_id = $1) AS locations,
            (SELECT count(*)::int FROM customers WHERE merchant_id = $1) AS customers,
            (SELECT count(*)::int FROM products WHERE merchant_id = $1) AS products,
            (SELECT count(*)::int FROM transactions WHERE merchant_id = $1) AS transactions,
            (SELECT count(*)::int FROM line_items WHERE merchant_id = $1) AS "lineItems"`,
    [merchantId],
  );
  return rows[0]!;
}

const matches = (counts: Counts, seed: SeedOptions) =>
  counts.locations === seed.locationsPerMerchant &&
  counts.customers === seed.customersPerMerchant &&
  counts.products === seed.productsPerMerchant &&
  counts.transactions === seed.transactionsPerMerchant;

/** Starts the embedded PostgreSQL of `spec.dir`, migrates it, and seeds it unless it holds the dataset already. */
export async function ensureDataset(spec: DatasetSpec, port: number, log: (line: string) => void): Promise<Dataset> {
  log(`database: embedded PostgreSQL in ${spec.dir} on 127.0.0.1:${port}`);
  // Its error says why it did not start (port taken, folder in use by another server: PostgreSQL's own words).
  const server: EmbeddedDatabase = await startEmbeddedPostgres({ dir: spec.dir, port });
  try {
    const url = await server.ensureDatabase(EMBEDDED_DATABASE);
    const applied = await applyMigrations(url);
    if (applied.length) log(`applied migrations: ${applied.join(", ")}`);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const findMerchant = async () =>
        (await client.query<{ id: string }>("SELECT id FROM merchants WHERE slug = $1", [spec.seed.merchantSlug])).rows[0]?.id;
      let merchantId = await findMerchant();
      let seededMs: number | null = null;
      if (merchantId) {
        // An earlier run that stopped half-way may have left its writes behind.
        await removeBenchWrites(client, merchantId);
        const counts = await countsOf(client, merchantId);
        if (!matches(counts, spec.seed)) {
          throw new Error(
            `${spec.dir} holds merchant ${spec.seed.merchantSlug} with ${JSON.stringify(counts)}, not the bench's dataset; remove the folder (or pass another --data) to have it seeded again.`,
          );
        }
        log(`reusing the dataset (${counts.transactions.toLocaleString("en-US")} receipts, ${counts.lineItems.toLocaleString("en-US")} lines)`);
      } else {
        const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM merchants");
        if (rows[0]!.n > 0) throw new Error(`${spec.dir} holds other merchants; remove the folder (or pass another --data) to seed the bench's dataset.`);
        log(`seeding ${spec.seed.transactionsPerMerchant.toLocaleString("en-US")} receipts once (minutes for the full dataset; later runs reuse it)`);
        const started = performance.now();
        const db = createDb({ url, poolMax: 2 });
        try {
          let lastPhase = "";
          let lastLog = 0;
          await seedDatabase(db.pool, spec.seed, (p) => {
            const now = performance.now();
            if (p.phase === lastPhase && now - lastLog < 15_000 && p.done < p.total) return;
            lastPhase = p.phase;
            lastLog = now;
            log(`  seeding ${p.phase}: ${p.done.toLocaleString("en-US")}/${p.total.toLocaleString("en-US")}`);
          });
        } finally {
          await db.close();
        }
        // The visibility map, so index-only scans skip the heap as they would on a settled database.
        log("  VACUUM ANALYZE");
        await client.query("VACUUM (ANALYZE) transactions, line_items, customers, products, inventory_items");
        seededMs = Math.round(performance.now() - started);
        merchantId = await findMerchant();
        if (!merchantId) throw new Error("the seeder did not create the bench's merchant");
        log(`seeded in ${Math.round(seededMs / 1000)} s`);
      }
      const counts = await countsOf(client, merchantId);
      return { url, merchantId, counts, seededMs, stop: () => server.stop() };
    } finally {
      await client.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
}
