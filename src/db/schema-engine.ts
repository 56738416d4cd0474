// Prisma's schema engine, run from its WebAssembly build (@prisma/schema-engine-wasm).
//
// Why: the Prisma CLI downloads a native schema-engine binary before `migrate`, and machines
// that reach only the npm registry cannot fetch it. The WebAssembly build is the same engine
// (same SQL, same `_prisma_migrations` records and checksums), shipped inside an npm package.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import pg from "pg";

const require = createRequire(import.meta.url);

// Node has WebAssembly at run time; TypeScript's node-only libs do not declare it.
const wasmRuntime = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(
        bytes: Uint8Array,
        imports: Record<string, unknown>,
      ): Promise<{ instance: { exports: Record<string, unknown> } }>;
    };
  }
).WebAssembly;

type EngineModule = typeof import("@prisma/schema-engine-wasm");
let engineModule: Promise<EngineModule> | undefined;

/**
 * Node 20 cannot `import` a .wasm file without a flag, so the package's entry point (which does)
 * is bypassed: instantiate the bytes ourselves and hand the instance to its JS glue.
 */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const glue = (await import(pathToFileURL(gluePath).href)) as EngineModule & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    const bytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await wasmRuntime.instantiate(bytes, { "./schema_engine_bg.js": glue });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return engineModule;
}

export const SCHEMA_PATH = path.resolve(import.meta.dirname, "../../prisma/schema.prisma");
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");

export async function readSchemaFile(): Promise<{ path: string; content: string }> {
  return { path: SCHEMA_PATH, content: await readFile(SCHEMA_PATH, "utf8") };
}

/** Opens the schema engine on a database; `close()` it when done. */
export async function openSchemaEngine(connectionString: string, log: (line: string) => void = () => {}) {
  const { SchemaEngine } = await loadEngineModule();
  const schema = await readSchemaFile();
  const pool = new pg.Pool({ connectionString, max: 2, Client: CharAsTextClient });
  const adapter = bindMigrationAwareSqlAdapterFactory(wholeScripts(new PrismaPg(pool), pool));
  const engine: SchemaEngine = await SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    (message: string) => log(message),
    adapter,
  );
  return {
    engine,
    schema,
    close: async () => {
      engine.free();
      await pool.end();
    },
  };
}

/**
 * The adapter runs a migration script by splitting it on every `;`, which cuts a dollar-quoted
 * function body (our change-time trigger) in pieces. PostgreSQL's simple query protocol takes the
 * whole script at once, and runs it as one implicit transaction: a migration applies whole or not at all.
 */
function wholeScripts(factory: PrismaPg, pool: pg.Pool): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const reportError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter);
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (error) {
        reportError(error);
      }
    };
    return adapter;
  };
  // The caller already runs diffs in a scratch database of their own (src/db/migrations.ts): let the
  // engine use it as its shadow database rather than have the adapter make another.
  factory.connectToShadowDb = factory.connect;
  return factory;
}

/**
 * The engine reads PostgreSQL's catalogs, whose internal one-byte `"char"` columns (OID 18) the
 * driver adapter does not map. They carry text, so report them as text (OID 25).
 */
class CharAsTextClient extends pg.Client {
  // pg's query() has many overloads (promise, callback, submittable); patch results in both forms.
  // biome-ignore lint/suspicious/noExplicitAny: the override must accept and return every overload's types
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === "function") {
      args[args.length - 1] = (err: Error | null, res: pg.QueryResult) => last(err, err ? res : charAsText(res));
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(charAsText) : result;
  }
}

function charAsText(res: pg.QueryResult): pg.QueryResult {
  for (const field of res?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
  return res;
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };
