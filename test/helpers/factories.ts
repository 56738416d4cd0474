// Factories: each test arranges its own rows, with defaults a test can override.
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/db/client.js";
import { createKey } from "../../src/keys/manage.js";
import { SCOPES, type Scope } from "../../src/keys/scopes.js";

const unique = () => randomUUID().slice(0, 8);

export async function makeMerchant(db: Db, overrides: { slug?: string; name?: string } = {}) {
  const id = unique();
  return db.prisma.merchant.create({ data: { slug: overrides.slug ?? `m-${id}`, name: overrides.name ?? `Merchant ${id}` } });
}

export async function makeLocation(db: Db, merchantId: string, overrides: { name?: string; timeZone?: string; posId?: string } = {}) {
  const id = unique();
  return db.prisma.location.create({
    data: {
      merchantId,
      posId: overrides.posId ?? `loc-${id}`,
      name: overrides.name ?? `Store ${id}`,
      timeZone: overrides.timeZone ?? "America/Denver",
    },
  });
}

export async function makeKey(
  db: Db,
  merchantId: string,
  overrides: { scopes?: Scope[]; locationIds?: string[]; expiresAt?: Date | null; environment?: "live" | "test" } = {},
) {
  const { key, record } = await createKey(db, {
    merchantId,
    name: "test key",
    scopes: overrides.scopes ?? [...SCOPES],
    environment: overrides.environment ?? "test",
    locationIds: overrides.locationIds,
    expiresAt: overrides.expiresAt,
  });
  return { key, record };
}
