// Prisma's client stays out of the request path (README, Development): serving keys, locations,
// reads, writes, metrics and readiness never asks the Db for it, so a serving process never loads
// its query compiler. The test factories use it (they arrange the rows), over a Db of their own.
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseEnv } from "../../src/config/env.js";
import { createDb, type Db } from "../../src/db/client.js";
import { createLogger } from "../../src/lib/logger.js";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";

const db = await createTestDb();
const served = createDb({ url: db.url });
afterAll(() => served.close());
let prismaAsked = 0;
const appDb: Db = {
  pool: served.pool,
  close: () => served.close(),
  listener: (channel) => served.listener(channel),
  get prisma() {
    prismaAsked++;
    return served.prisma;
  },
};
const config = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_URL: db.url });
const app = createApp({ db: appDb, config, logger: createLogger(config.LOG_LEVEL) });

describe("Prisma's client out of the request path", () => {
  it(prose`
    when every kind of request is served (whoami, locations, lists, writes, metrics, readiness), then the app never asks
    for Prisma's client
  `, async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id);
    const as = (req: request.Test) => req.set("x-apikey", key);

    const put = await as(request(app).put("/v1/customers/pos-1")).send({ first_name: "Ada", phone: "3035550100" });
    expect(put.status).toBe(201);
    const calls = [
      as(request(app).get("/v1/whoami")),
      as(request(app).get("/v1/locations")),
      as(request(app).get("/v1/customers")),
      as(request(app).get("/v1/inventory")),
      as(request(app).get("/v1/transactions")),
      as(request(app).patch(`/v1/customers/${put.body.id}`)).send({ city: "Denver" }),
      as(request(app).put("/v1/inventory")).send({
        items: [{ location_id: store.id, sku: "SKU-1", name: "Gummies", quantity: 3 }],
      }),
      as(request(app).get("/metrics")),
      request(app).get("/readyz"),
    ];
    for (const [i, call] of calls.entries()) {
      const res = await call;
      expect(res.status, `call ${i}: ${res.text.slice(0, 200)}`).toBe(200);
    }
    expect(prismaAsked).toBe(0);
  });
});
