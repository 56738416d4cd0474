// The empty continuation poll's point of comparison: a bare node:http + pg server that answers
// GET /v1/transactions?cursor=…&limit=… as the service does at its core (the key looked up by its
// prefix, with the feed's horizon, and its hash checked, then the service's own read function: the
// page SQL) and nothing else: no Express, no validation layer, no logging, no rate limits, no metrics.
// GET /bench/page?… is the page's HTTP floor (bench/pages.ts): exactly the pg-json baseline's work
// (the API's page statement, prepared, its records encoded as they arrive) on a page the bench names
// (merchant, upper bound, position, limit): no key, no horizon, no cursor; answered as one body with Content-Length.
// Started by bench/bare.ts with the node binary being measured; prints its port on stdout.
import http from "node:http";
import pg from "pg";
import type { Db } from "../src/db/client.js";
import { first } from "../src/db/sql.js";
import { hashesEqual, hashKey, parseKey } from "../src/keys/format.js";
import { keyWithHorizonByPrefix } from "../src/keys/queries.js";
import type { AuthContext, Scope } from "../src/keys/scopes.js";
import { listTransactionsJson } from "../src/transactions/read.js";
import type { TransactionListQuery } from "../src/transactions/schemas.js";
import { pageSpecOf, pgJsonBaseline } from "./baseline.js";

const databaseUrl = process.env.BARE_DATABASE_URL;
const secret = process.env.BARE_CURSOR_SECRET;
if (!databaseUrl || !secret) throw new Error("bench/bare-server.ts is started by bench/bare.ts");

pg.types.setTypeParser(1700, (v) => v);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const db = { pool } as Db;

const server = http.createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? "/", "http://x");
    const query = url.searchParams;
    if (url.pathname === "/bench/page") {
      const page = await pgJsonBaseline(pool, pageSpecOf(query));
      res.writeHead(200, { "content-type": "application/json", "content-length": page.length }).end(page);
      return;
    }
    const key = String(req.headers["x-apikey"] ?? "");
    const parsed = parseKey(key);
    // The key with the feed's horizon, in one round trip, as the service reads them for a feed's page.
    const row = parsed ? await first(pool, keyWithHorizonByPrefix(parsed.prefix)) : undefined;
    if (!parsed || !row || row.revoked_at || !hashesEqual(row.hash, hashKey(key))) {
      res.writeHead(401).end();
      return;
    }
    const auth: AuthContext = {
      keyId: row.id,
      merchantId: row.merchant_id,
      scopes: row.scopes as Scope[],
      locationIds: row.location_ids.length ? row.location_ids : null,
      environment: parsed.environment,
      feedHorizon: { horizon: row.horizon, lagSeconds: row.lag_seconds },
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
