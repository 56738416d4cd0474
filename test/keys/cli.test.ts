// The keys CLI end to end: run as a user would (npx tsx scripts/keys.ts) against this file's
// database, then use what it made over HTTP.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeLocation, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp();
const exec = promisify(execFile);

async function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("npx", ["tsx", "scripts/keys.ts", ...args], {
      env: { ...process.env, DATABASE_URL: db.url, NODE_ENV: "test" },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each run starts tsx and Prisma: seconds each, more on a busy machine.
const SLOW = { timeout: 240_000 };

const KEY = /pb_(live|test)_[0-9A-Za-z]{10}_[0-9A-Za-z]{38}/;

describe("npm run keys", () => {
  it(
    prose`
    when a key is created for a merchant and a store, then it is printed once and works over HTTP with those scopes and
    that store
  `,
    SLOW,
    async () => {
      const merchant = await makeMerchant(db, { slug: "cli-shop" });
      const store = await makeLocation(db, merchant.id, { posId: "DEN-1" });
      await makeLocation(db, merchant.id, { posId: "BLD-2" });

      const created = await keys(
        "create",
        "--merchant",
        "cli-shop",
        "--scopes",
        "transactions:read,customers:read",
        "--locations",
        "DEN-1",
        "--env",
        "test",
        "--name",
        "AIQ prod",
      );

      expect(created.code, created.stderr).toBe(0);
      const key = KEY.exec(created.stdout)![0];
      expect(created.stdout).toMatch(/only time the key is shown/);
      const who = await request(app).get("/v1/whoami").set("x-apikey", key);
      expect(who.status).toBe(200);
      expect(who.body).toMatchObject({
        merchant: { slug: "cli-shop" },
        key: { name: "AIQ prod", environment: "test" },
        scopes: ["transactions:read", "customers:read"],
        all_locations: false,
        locations: [{ id: store.id, pos_id: "DEN-1" }],
      });
      expect((await request(app).get("/v1/transactions").set("x-apikey", key)).status).toBe(200);
      expect((await request(app).get("/v1/inventory").set("x-apikey", key)).status).not.toBe(200);

      // Listed (never with its secret), then revoked: 401 from then on.
      const prefix = who.body.key.prefix as string;
      const listed = await keys("list", "--merchant", "cli-shop", "--json");
      const rows = JSON.parse(listed.stdout);
      expect(rows).toEqual([
        expect.objectContaining({
          prefix,
          status: "active",
          scopes: ["transactions:read", "customers:read"],
          location_ids: [store.id],
        }),
      ]);
      expect(listed.stdout).not.toContain(key);
      const revoked = await keys("revoke", prefix);
      expect(revoked.code, revoked.stderr).toBe(0);
      const after = await request(app).get("/v1/whoami").set("x-apikey", key);
      expect(after.status).toBe(401);
    },
  );

  it("when a key is rotated with no overlap, then the new key works and the old one stops", SLOW, async () => {
    const merchant = await makeMerchant(db, { slug: "rotating" });
    const made = JSON.parse((await keys("create", "--merchant", "rotating", "--json")).stdout);
    expect(made.scopes).toEqual(["transactions:read", "customers:read", "inventory:read", "contacts:write"]);
    const rotated = await keys("rotate", made.id, "--overlap", "0", "--json");
    expect(rotated.code, rotated.stderr).toBe(0);
    const { key } = JSON.parse(rotated.stdout);
    expect((await request(app).get("/v1/whoami").set("x-apikey", key)).body.merchant.id).toBe(merchant.id);
    expect((await request(app).get("/v1/whoami").set("x-apikey", made.key)).status).toBe(401);
    const merchants = await keys("merchants");
    expect(merchants.stdout).toMatch(/rotating/);
  });

  it("when options are wrong, then exit 2 with a message naming them and nothing is made", SLOW, async () => {
    await makeMerchant(db, { slug: "strict" });
    const typo = await keys("create", "--merchnt", "strict");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/merchnt/);
    const scope = await keys("create", "--merchant", "strict", "--scopes", "transactions:write");
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/transactions:write/);
    const store = await keys("create", "--merchant", "strict", "--locations", "NOPE-9");
    expect(store.code).toBe(2);
    expect(store.stderr).toMatch(/NOPE-9/);
    expect(await db.prisma.apiKey.count({ where: { merchant: { slug: "strict" } } })).toBe(0);
    const help = await keys("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run keys/);
  });
});
