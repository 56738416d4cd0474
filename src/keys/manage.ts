// Making, listing, revoking and rotating keys (used by the CLI and the demo's first start).
import type { Db } from "../db/client.js";
import { generateKey } from "./format.js";
import type { KeyEnvironment, Scope } from "./scopes.js";

export interface CreateKeyInput {
  merchantId: string;
  name: string;
  scopes: Scope[];
  environment: KeyEnvironment;
  locationIds?: string[];
  expiresAt?: Date | null;
  rotatedFromId?: string;
}

/** Returns the key in clear text: the only time it is ever shown. */
export async function createKey(db: Db, input: CreateKeyInput) {
  const { key, prefix, hash } = generateKey(input.environment);
  const row = await db.prisma.apiKey.create({
    data: {
      merchantId: input.merchantId,
      name: input.name,
      prefix,
      hash,
      scopes: input.scopes,
      locationIds: input.locationIds ?? [],
      expiresAt: input.expiresAt ?? null,
      rotatedFromId: input.rotatedFromId ?? null,
    },
  });
  return { key, record: row };
}

export async function listKeys(db: Db, merchantId?: string) {
  return db.prisma.apiKey.findMany({
    where: merchantId ? { merchantId } : {},
    orderBy: { createdAt: "asc" },
    include: { merchant: { select: { slug: true } } },
  });
}

export async function revokeKey(db: Db, idOrPrefix: string) {
  const row = await findKey(db, idOrPrefix);
  return db.prisma.apiKey.update({ where: { id: row.id }, data: { revokedAt: row.revokedAt ?? new Date() } });
}

/**
 * A new key with the same merchant, scopes and locations; the old one stays valid for the
 * overlap (so the client can switch without downtime), then expires.
 */
export async function rotateKey(db: Db, idOrPrefix: string, overlapMs: number) {
  const old = await findKey(db, idOrPrefix);
  if (old.revokedAt) throw new Error(`Key ${old.prefix} is revoked; make a new one instead.`);
  const environment = old.prefix.startsWith("pb_live_") ? "live" : "test";
  return db.prisma.$transaction(async (tx) => {
    const end = new Date(Date.now() + overlapMs);
    await tx.apiKey.update({
      where: { id: old.id },
      data: { expiresAt: old.expiresAt && old.expiresAt < end ? old.expiresAt : end },
    });
    const { key, prefix, hash } = generateKey(environment);
    const record = await tx.apiKey.create({
      data: {
        merchantId: old.merchantId,
        name: old.name,
        prefix,
        hash,
        scopes: old.scopes,
        locationIds: old.locationIds,
        expiresAt: old.expiresAt,
        rotatedFromId: old.id,
      },
    });
    return { key, record, oldExpiresAt: end };
  });
}

async function findKey(db: Db, idOrPrefix: string) {
  const isUuid = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
  const row = await db.prisma.apiKey.findFirst({ where: isUuid ? { id: idOrPrefix } : { prefix: idOrPrefix } });
  if (!row) throw new Error(`No key with id or prefix ${idOrPrefix}.`);
  return row;
}
