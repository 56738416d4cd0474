// Pages of 100 requested one at a time with idle gaps between them, the service started with its caches on or
// off in turns: the check behind README Performance's "The horizon's reuse costs p99". Not part of npm run bench.
//   npx tsx bench/idle-gaps.ts <database-url> <merchant-id> [modes, default on,off,on,off] [gap ms, default 20]
// modes: on (key kept, horizon reused 250 ms), off (neither), keyonly, horizononly. Makes a key and removes it.
import { randomBytes } from "node:crypto";
import { createDb } from "../src/db/client.js";
import { createKey } from "../src/keys/manage.js";
import { startServer } from "./server.js";

const [url, merchantId, modeList = "on,off,on,off", gapText = "20"] = process.argv.slice(2);
if (!url || !merchantId)
  throw new Error("usage: npx tsx bench/idle-gaps.ts <database-url> <merchant-id> [modes] [gap]");
const SETTINGS: Record<string, Record<string, string>> = {
  on: { FEED_HORIZON_REUSE_MS: "250" },
  off: { KEY_CACHE_TTL_MS: "0", FEED_HORIZON_REUSE_MS: "0" },
  keyonly: { FEED_HORIZON_REUSE_MS: "0" },
  horizononly: { KEY_CACHE_TTL_MS: "0", FEED_HORIZON_REUSE_MS: "250" },
};
const REQUESTS = 450;
const WARM_UP = 50;

const db = createDb({ url, poolMax: 2 });
const { key, record } = await createKey(db, {
  merchantId,
  name: "bench-idle-gaps",
  scopes: ["transactions:read"],
  environment: "test",
});
try {
  for (const mode of modeList.split(",")) {
    const env = SETTINGS[mode];
    if (!env) throw new Error(`unknown mode ${mode}: one of ${Object.keys(SETTINGS).join(", ")}`);
    const secret = randomBytes(24).toString("base64url");
    const server = await startServer({ node: process.execPath, databaseUrl: url, cursorSecret: secret, env });
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      const res = await fetch(`${server.baseUrl}/v1/transactions?limit=100`, { headers: { "x-apikey": key } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      if (i >= WARM_UP) times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, Number(gapText)));
    }
    await server.stop();
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.floor(q * (times.length - 1))]!.toFixed(1);
    const slow = times.filter((t) => t > 25).length;
    console.log(
      `${mode}: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, ${slow} of ${times.length} over 25 ms, max ${at(1)} ms`,
    );
  }
} finally {
  await db.pool.query("DELETE FROM api_keys WHERE id = $1", [record.id]);
  await db.close();
}
