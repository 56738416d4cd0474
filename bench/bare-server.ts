// The empty continuation poll's point of comparison: a bare node:http + pg server that answers
// GET /v1/transactions?cursor=…&limit=… as the service does at its core (the key looked up by its
// prefix and its hash checked, then the service's own read function: the feed's horizon and the page
// SQL) and nothing else: no Express, no validation layer, no logging, no rate limits, no metrics.
// Started by bench/polls.ts with the node binary being measured; prints its port on stdout.
import http from "node:http";
import pg from "pg";
import type { Db } from "../src/db/client.js";
import { hashesEqual, hashKey, parseKey } from "../src/keys/format.js";
import type { AuthContext, Scope } from "../src/keys/scopes.js";
import { listTransactionsJson } from "../src/transactions/read.js";
import type { TransactionListQuery } from "../src/transactions/schemas.js";

const url = process.env.BARE_DATABASE_URL;
const secret = process.env.BARE_CURSOR_SECRET;
if (!url || !secret) throw new Error("bench/bare-server.ts is started by bench/polls.ts");

pg.types.setTypeParser(1700, (v) => v);
const pool = new pg.Pool({ connectionString: url, max: 10 });
const db = { pool } as Db;
const KEY = `SELECT id, merchant_id, hash, scopes,
  location_ids FROM "api_keys" WHERE prefix = $1 AND revoked_at IS NULL`;

const server = http.createServer((req, res) => {
  void (async () => {
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    const key = String(req.headers["x-apikey"] ?? "");
    const parsed = parseKey(key);
    const row = parsed ? (await pool.query({ name: "key", text: KEY, values: [parsed.prefix] })).rows[0] : undefined;
    if (!parsed || !row || !hashesEqual(row.hash, hashKey(key))) {
      res.writeHead(401).end();
      return;
    }
    const auth: AuthContext = {
      keyId: row.id,
      merchantId: row.merchant_id,
      scopes: row.scopes as Scope[],
      locationIds: row.location_ids.length ? row.location_ids : null,
      environment: parsed.environment,
    };
    const list = {
      limit: Number(query.get("limit") ?? 100),
      cursor: query.get("cursor") ?? undefined,
      format: "standard",
    } as TransactionListQuery;
    const { json } = await listTransactionsJson(db, secret, auth, list);
    res.writeHead(200, { "content-type": "application/json", "content-length": json.length }).end(json);
  })().catch((error: unknown) => {
    res.writeHead(500).end(String(error));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
process.once("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
