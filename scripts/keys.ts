// `npm run keys -- <command>`: make, list, revoke and rotate API keys, and list merchants.
// Database: DATABASE_URL when set; otherwise the embedded PostgreSQL of `npm start` (used as is
// when the service is running, started for the command when it is not), migrated first.
// Settings from .env too (the real environment wins).
import { parseArgs } from "node:util";
import { loadDotEnv } from "../src/config/dotenv.js";
import { parseEnv } from "../src/config/env.js";
import { createDb, type Db } from "../src/db/client.js";
import { applyMigrations } from "../src/db/migrations.js";
import { openCommandDatabase } from "../src/db/open.js";
import { createKey, type KeyRecord, listKeys, revokeKey, rotateKey } from "../src/keys/manage.js";
import { AIQ_SCOPES, SCOPES, type Scope } from "../src/keys/scopes.js";
import { runCommand } from "../src/lib/describe-error.js";

const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create --merchant <slug> [options]   make a key; it is printed once, never stored
      --name <text>                    what the key is for (default "AIQ integration")
      --scopes <a,b,…>                 default: ${AIQ_SCOPES.join(",")}
                                       all: ${SCOPES.join(", ")}
      --locations <id or pos_id,…>     limit the key to these stores (default: every store)
      --expires <RFC 3339 time>        e.g. 2027-01-01T00:00:00Z (default: never)
      --env live|test                  the key's environment, shown in its prefix (default live)
  list [--merchant <slug>]             keys (never their secrets), with status
  revoke <id or prefix>                the key stops working at once
  rotate <id or prefix> [--overlap <duration>]
                                       a new key with the same merchant, scopes and stores; the old
                                       one keeps working for the overlap (default 24h; e.g. 30m, 7d, 0)
  merchants                            merchants and their slugs

Options:
  --json                               machine-readable output (create, list, rotate, merchants)
  -h, --help                           this text

Database: DATABASE_URL if set, else the embedded PostgreSQL in EMBEDDED_PG_DIR (default
.data/postgres) on EMBEDDED_PG_PORT (default 54329), the running one of \`npm start\` if there
is one. Settings from .env too (the real environment wins).`;

class UsageError extends Error {}

const OPTIONS = {
  merchant: { type: "string" },
  name: { type: "string" },
  scopes: { type: "string" },
  locations: { type: "string" },
  expires: { type: "string" },
  env: { type: "string" },
  overlap: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Which options each command takes: any other is a usage error, never ignored. */
const ALLOWED: Record<string, { options: (keyof typeof OPTIONS)[]; positionals: number }> = {
  create: { options: ["merchant", "name", "scopes", "locations", "expires", "env", "json"], positionals: 0 },
  list: { options: ["merchant", "json"], positionals: 0 },
  revoke: { options: ["json"], positionals: 1 },
  rotate: { options: ["overlap", "json"], positionals: 1 },
  merchants: { options: ["json"], positionals: 0 },
};

function parseArgv(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseCommand(argv: string[]) {
  const { values, positionals } = parseArgv(argv);
  if (values.help) return null;
  const [command, ...rest] = positionals;
  if (!command) throw new UsageError("No command given.");
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`Unknown command '${command}'.`);
  const extra = Object.keys(values).filter(
    (name) => !["help", "json"].includes(name) && !allowed.options.includes(name as keyof typeof OPTIONS),
  );
  if (extra.length) throw new UsageError(`'${command}' does not take ${extra.map((name) => `--${name}`).join(", ")}.`);
  if (rest.length !== allowed.positionals) {
    throw new UsageError(
      allowed.positionals ? `'${command}' takes one key id or prefix.` : `'${command}' takes no argument '${rest[0]}'.`,
    );
  }
  return { command, values, argument: rest[0] };
}

/** "24h", "30m", "7d", "90s", "0" → milliseconds. */
function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--overlap '${text}' is not a duration like 30m, 24h or 7d.`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? "s") as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

function parseScopes(text: string | undefined): Scope[] {
  if (text === undefined) return AIQ_SCOPES;
  const scopes = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length || !scopes.length) {
    throw new UsageError(`Unknown scope(s): ${unknown.join(", ") || "(none given)"}. Scopes: ${SCOPES.join(", ")}.`);
  }
  return [...new Set(scopes)] as Scope[];
}

function parseExpiry(text: string | undefined): Date | null {
  if (text === undefined) return null;
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text) ? new Date(text) : new Date(NaN);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--expires '${text}' is not an RFC 3339 time like 2027-01-01T00:00:00Z.`);
  if (at.getTime() <= Date.now()) throw new UsageError(`--expires ${text} is in the past.`);
  return at;
}

async function merchantBySlug(db: Db, slug: string) {
  const merchant = await db.prisma.merchant.findUnique({ where: { slug } });
  if (!merchant) throw new UsageError(`No merchant with slug '${slug}' (see: npm run keys -- merchants).`);
  return merchant;
}

/** Our ids or the POS's ids of the merchant's stores → our ids; every unknown one is named. */
async function resolveLocations(db: Db, merchantId: string, text: string | undefined): Promise<string[] | undefined> {
  if (text === undefined) return undefined;
  const wanted = [
    ...new Set(
      text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const locations = await db.prisma.location.findMany({ where: { merchantId } });
  const ids = wanted.map((w) => locations.find((l) => l.id === w || l.posId === w)?.id);
  const unknown = wanted.filter((_, i) => !ids[i]);
  if (unknown.length || !wanted.length) {
    throw new UsageError(
      `Unknown location(s) for this merchant: ${unknown.join(", ") || "(none given)"}. Its stores: ` +
        `${locations.map((l) => `${l.posId} (${l.name})`).join(", ")}.`,
    );
  }
  return [...new Set(ids as string[])];
}

const statusOf = (key: Pick<KeyRecord, "revoked_at" | "expires_at">) =>
  key.revoked_at && key.revoked_at <= new Date()
    ? "revoked"
    : key.expires_at && key.expires_at <= new Date()
      ? "expired"
      : "active";

const print = (line = "") => process.stdout.write(`${line}\n`);

async function run(
  db: Db,
  command: string,
  values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"],
  argument?: string,
) {
  switch (command) {
    case "merchants": {
      const merchants = await db.prisma.merchant.findMany({
        orderBy: { slug: "asc" },
        include: { _count: { select: { locations: true } } },
      });
      if (values.json)
        return print(
          JSON.stringify(
            merchants.map((m) => ({ id: m.id, slug: m.slug, name: m.name, locations: m._count.locations })),
          ),
        );
      if (!merchants.length) return print("No merchants yet (npm run seed, or npm start for the demo merchant).");
      for (const m of merchants) print(`${m.slug.padEnd(24)} ${m.name}  (${m._count.locations} stores, id ${m.id})`);
      return;
    }
    case "create": {
      if (!values.merchant) throw new UsageError("create needs --merchant <slug>.");
      const env = values.env ?? "live";
      if (env !== "live" && env !== "test") throw new UsageError(`--env must be live or test, not '${env}'.`);
      const merchant = await merchantBySlug(db, values.merchant);
      const scopes = parseScopes(values.scopes);
      const expiresAt = parseExpiry(values.expires);
      const locationIds = await resolveLocations(db, merchant.id, values.locations);
      const { key, record } = await createKey(db, {
        merchantId: merchant.id,
        name: values.name ?? "AIQ integration",
        scopes,
        environment: env,
        locationIds,
        expiresAt,
      });
      if (values.json) {
        return print(
          JSON.stringify({
            key,
            id: record.id,
            prefix: record.prefix,
            merchant: merchant.slug,
            scopes,
            location_ids: locationIds ?? null,
            expires_at: expiresAt?.toISOString() ?? null,
          }),
        );
      }
      print(`Created key ${record.prefix} (id ${record.id}) for ${merchant.slug}`);
      print(`  scopes:    ${scopes.join(", ")}`);
      print(`  locations: ${locationIds ? locationIds.join(", ") : "all"}`);
      print(`  expires:   ${expiresAt?.toISOString() ?? "never"}`);
      print();
      print(`  ${key}`);
      print();
      print("This is the only time the key is shown: store it now (send it as x-apikey or Authorization: Bearer).");
      return;
    }
    case "list": {
      const merchant = values.merchant ? await merchantBySlug(db, values.merchant) : null;
      const keys = await listKeys(db, merchant?.id);
      if (values.json) {
        return print(
          JSON.stringify(
            keys.map((k) => ({
              id: k.id,
              prefix: k.prefix,
              merchant: k.merchant_slug,
              name: k.name,
              scopes: k.scopes,
              location_ids: k.location_ids.length ? k.location_ids : null,
              status: statusOf(k),
              expires_at: k.expires_at?.toISOString() ?? null,
              revoked_at: k.revoked_at?.toISOString() ?? null,
              last_used_at: k.last_used_at?.toISOString() ?? null,
              created_at: k.created_at.toISOString(),
            })),
          ),
        );
      }
      if (!keys.length) return print("No keys.");
      for (const k of keys) {
        print(`${k.prefix}  ${statusOf(k).padEnd(7)}  ${k.merchant_slug}  "${k.name}"  id ${k.id}`);
        print(
          `    scopes ${k.scopes.join(",")}; locations ${k.location_ids.length ? k.location_ids.join(",") : "all"}; ` +
            `expires ${k.expires_at?.toISOString() ?? "never"}; last used ${k.last_used_at?.toISOString() ?? "never"}`,
        );
      }
      return;
    }
    case "revoke": {
      const key = await revokeKey(db, argument!);
      if (values.json)
        return print(JSON.stringify({ id: key.id, prefix: key.prefix, revoked_at: key.revoked_at?.toISOString() }));
      return print(`Revoked ${key.prefix} (id ${key.id}) at ${key.revoked_at?.toISOString()}.`);
    }
    case "rotate": {
      const overlap = parseDuration(values.overlap ?? "24h");
      const { key, record, oldExpiresAt } = await rotateKey(db, argument!, overlap);
      if (values.json) {
        return print(
          JSON.stringify({ key, id: record.id, prefix: record.prefix, old_key_expires_at: oldExpiresAt.toISOString() }),
        );
      }
      print(`New key ${record.prefix} (id ${record.id}); the old key works until ${oldExpiresAt.toISOString()}.`);
      print();
      print(`  ${key}`);
      print();
      print("This is the only time the key is shown: store it now.");
      return;
    }
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!parsed) {
    print(USAGE);
    return 0;
  }
  loadDotEnv();
  const { url, release } = await openCommandDatabase(parseEnv());
  try {
    await applyMigrations(url);
    const db = createDb({ url, poolMax: 2 });
    try {
      await run(db, parsed.command, parsed.values, parsed.argument);
      return 0;
    } catch (error) {
      // Bad input the command found (unknown merchant, scope, store, key): said plainly, exit 2.
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n`);
        return 2;
      }
      if (error instanceof Error && /^(No key|Key .* is revoked)/.test(error.message)) {
        process.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      await db.close();
    }
  } finally {
    await release();
  }
}

runCommand("keys", main);
