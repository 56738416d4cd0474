// The bench's databases: one embedded PostgreSQL per shape, in a folder of the data root, built once
// by the seeder and reused by every later run. The marker is the data itself: the measured
// merchant's slug with the expected counts, and the number of merchants. A folder holding something
// else is refused rather than reseeded on top (the seeder only adds merchants).
//
// Shapes (issue 11):
// - demo: exactly what `npm start` seeds (DEMO_SEED_OPTIONS), measured on that merchant;
// - many: 200 merchants of 5,000 receipts and one of 100,000 in one database, measured on the first
//   small merchant (the 100,000 one is the month reports' point of comparison);
// - big: one merchant of 1,000,000 receipts, 5 stores, 3,000 products.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { createDb } from "../src/db/client.js";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../src/db/embedded.js";
import { applyMigrations } from "../src/db/migrations.js";
import { EMBEDDED_DATABASE } from "../src/db/open.js";
import { DEMO_SEED_OPTIONS, type SeedOptions, seedDatabase } from "../src/seed/index.js";
import { removeBenchWrites } from "./writes.js";

export const SHAPE_NAMES = ["demo", "many", "big"] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

type Part = SeedOptions & { merchantSlug: string };

export interface ShapeSpec {
  name: ShapeName;
  /** What it is, for the report. */
  description: string;
  /** Seeder calls, in order (each adds its merchants). */
  parts: Part[];
  /** Slug of the merchant the bench measures. */
  measured: string;
  /** Slug of the 100,000-receipt merchant whose month reports the big one's are compared with. */
  reportsPeer?: string;
}

const COMMON = { seed: 42, employeesPerLocation: 4, months: 13 } as const;

export const SHAPES: Record<ShapeName, ShapeSpec> = {
  demo: {
    name: "demo",
    description: "what `npm start` seeds: 1 merchant, 20,000 receipts, 3 stores, 300 products",
    parts: [{ ...DEMO_SEED_OPTIONS, merchantSlug: DEMO_SEED_OPTIONS.merchantSlug ?? "demo" }],
    measured: DEMO_SEED_OPTIONS.merchantSlug ?? "demo",
  },
  many: {
    name: "many",
    description: "200 merchants of 5,000 receipts (2 stores, 300 products) and one of 100,000; measured on a small one",
    parts: [
      {
        ...COMMON,
        merchants: 200,
        merchantSlug: "small-merchant",
        locationsPerMerchant: 2,
        customersPerMerchant: 1_000,
        productsPerMerchant: 300,
        transactionsPerMerchant: 5_000,
      },
      {
        ...COMMON,
        seed: 43,
        merchants: 1,
        merchantSlug: "hundred-k",
        locationsPerMerchant: 5,
        customersPerMerchant: 20_000,
        productsPerMerchant: 3_000,
        transactionsPerMerchant: 100_000,
      },
    ],
    measured: "small-merchant",
    reportsPeer: "hundred-k",
  },
  big: {
    name: "big",
    description: "1 merchant, 1,000,000 receipts, 5 stores, 3,000 products, 200,000 customers",
    parts: [
      {
        ...COMMON,
        merchants: 1,
        merchantSlug: "green-leaf-dispensary",
        locationsPerMerchant: 5,
        customersPerMerchant: 200_000,
        productsPerMerchant: 3_000,
        transactionsPerMerchant: 1_000_000,
      },
    ],
    measured: "green-leaf-dispensary",
  },
};

/** Where a shape's data lives under the data root. */
export const shapeDir = (root: string, shape: ShapeName) => path.join(root, shape);
/** How long its build took (written once, when it is seeded). */
const buildFile = (root: string, shape: ShapeName) => path.join(root, `${shape}.build.json`);

export interface Build {
  builtAt: string;
  seededMs: number;
}

export interface Dataset {
  shape: ShapeName;
  url: string;
  merchantId: string;
  counts: Counts;
  /** The 100,000-receipt merchant of `many`. */
  peerMerchantId: string | null;
  /** When and how long its build took (null: built before builds were recorded). */
  build: Build | null;
  /** True when this run built it. */
  builtNow: boolean;
  /**
   * Stops and starts its PostgreSQL again (same port and URL): empty shared buffers, as the first
   * suite of each phase starts with (bench/run.ts).
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface Counts {
  merchants: number;
  locations: number;
  customers: number;
  products: number;
  transactions: number;
  lineItems: number;
}

async function countsOf(client: pg.Client, merchantId: string): Promise<Counts> {
  const { rows } = await client.query<Record<keyof Counts, number>>(
    `SELECT (SELECT count(*)::int FROM merchants) AS merchants,
            (SELECT count(*)::int FROM locations WHERE merchant_id = $1) AS locations,
            (SELECT count(*)::int FROM customers WHERE merchant_id = $1) AS customers,
            (SELECT count(*)::int FROM products WHERE merchant_id = $1) AS products,
            (SELECT count(*)::int FROM transactions WHERE merchant_id = $1) AS transactions,
            (SELECT count(*)::int FROM line_items WHERE merchant_id = $1) AS "lineItems"`,
    [merchantId],
  );
  return rows[0]!;
}

const matches = (counts: Counts, spec: ShapeSpec) => {
  const seed = spec.parts.find((p) => p.merchantSlug === spec.measured)!;
  return (
    counts.merchants === spec.parts.reduce((sum, p) => sum + p.merchants, 0) &&
    counts.locations === seed.locationsPerMerchant &&
    counts.customers === seed.customersPerMerchant &&
    counts.products === seed.productsPerMerchant &&
    counts.transactions === seed.transactionsPerMerchant
  );
};

/**
 * pg_stat_statements, for the bench's planning check (plans against calls of every statement the
 * server runs): loaded at server start, so set once in the data folder's postgresql.auto.conf
 * (the bench's database only) and the server restarted.
 */
async function withStatements(
  server: EmbeddedDatabase,
  restart: () => Promise<EmbeddedDatabase>,
  log: (line: string) => void,
): Promise<EmbeddedDatabase> {
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  let loaded: boolean;
  try {
    loaded = (
      await client.query<{ shared_preload_libraries: string }>("SHOW shared_preload_libraries")
    ).rows[0]!.shared_preload_libraries.includes("pg_stat_statements");
    if (!loaded) {
      await client.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
      await client.query("ALTER SYSTEM SET pg_stat_statements.track_planning = on");
      await client.query("ALTER SYSTEM SET pg_stat_statements.max = 10000");
    }
  } finally {
    await client.end();
  }
  if (loaded) return server;
  log("  loading pg_stat_statements (restart)");
  await server.stop();
  return restart();
}

/** Starts the embedded PostgreSQL of a shape, migrates it, and seeds it unless it holds the dataset already. */
export async function ensureDataset(
  root: string,
  spec: ShapeSpec,
  port: number,
  log: (line: string) => void,
): Promise<Dataset> {
  const dir = shapeDir(root, spec.name);
  log(`${spec.name}: embedded PostgreSQL in ${dir} on 127.0.0.1:${port}`);
  // Its error says why it did not start (port taken, folder in use by another server: PostgreSQL's own words).
  const start = () => startEmbeddedPostgres({ dir, port });
  let server: EmbeddedDatabase = await start();
  try {
    server = await withStatements(server, start, log);
    const url = await server.ensureDatabase(EMBEDDED_DATABASE);
    const applied = await applyMigrations(url);
    if (applied.length) log(`  applied migrations: ${applied.join(", ")}`);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      const idOf = async (slug: string) =>
        (await client.query<{ id: string }>("SELECT id FROM merchants WHERE slug = $1", [slug])).rows[0]?.id;
      let merchantId = await idOf(spec.measured);
      let builtNow = false;
      if (merchantId) {
        // An earlier run that stopped half-way may have left its writes behind.
        await removeBenchWrites(client, merchantId);
        const counts = await countsOf(client, merchantId);
        if (!matches(counts, spec)) {
          throw new Error(
            `${dir} holds merchant ${spec.measured} with ${JSON.stringify(counts)}, not the bench's ${spec.name} ` +
              `dataset; remove the folder to have it built again.`,
          );
        }
        log(
          `  reusing it (${counts.transactions.toLocaleString("en-US")} receipts, ` +
            `${counts.lineItems.toLocaleString("en-US")} lines, ${counts.merchants} merchants)`,
        );
      } else {
        const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM merchants");
        if (rows[0]!.n > 0)
          throw new Error(
            `${dir} holds other merchants (a build cut short?); remove the folder to have the ${spec.name} dataset ` +
              `built again.`,
          );
        const total = spec.parts.reduce((sum, p) => sum + p.merchants * p.transactionsPerMerchant, 0);
        log(`  building it once with the seeder: ${total.toLocaleString("en-US")} receipts (later runs reuse it)`);
        const started = performance.now();
        const db = createDb({ url, poolMax: 2 });
        try {
          for (const part of spec.parts) {
            let lastPhase = "";
            let lastLog = 0;
            await seedDatabase(db.pool, part, (p) => {
              const now = performance.now();
              if (p.phase === lastPhase && now - lastLog < 15_000 && p.done < p.total) return;
              lastPhase = p.phase;
              lastLog = now;
              log(
                `  seeding ${part.merchantSlug} ${p.phase}: ` +
                  `${p.done.toLocaleString("en-US")}/${p.total.toLocaleString("en-US")}`,
              );
            });
          }
        } finally {
          await db.close();
        }
        // The visibility map, so index-only scans skip the heap as they would on a settled database.
        log("  VACUUM ANALYZE");
        await client.query("VACUUM (ANALYZE) transactions, line_items, customers, products, inventory_items");
        const build: Build = { builtAt: new Date().toISOString(), seededMs: Math.round(performance.now() - started) };
        writeFileSync(buildFile(root, spec.name), `${JSON.stringify(build)}\n`);
        builtNow = true;
        merchantId = await idOf(spec.measured);
        if (!merchantId) throw new Error("the seeder did not create the bench's merchant");
        log(`  built in ${Math.round(build.seededMs / 1000)} s`);
      }
      const counts = await countsOf(client, merchantId);
      const peerMerchantId = spec.reportsPeer ? ((await idOf(spec.reportsPeer)) ?? null) : null;
      const file = buildFile(root, spec.name);
      const build = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Build) : null;
      let running = server;
      const restart = async () => {
        await running.stop();
        running = await start();
      };
      return {
        shape: spec.name,
        url,
        merchantId,
        counts,
        peerMerchantId,
        build,
        builtNow,
        restart,
        stop: () => running.stop(),
      };
    } finally {
      await client.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
}
