// Making, listing, revoking and rotating keys (used by the CLI and the demo's first start).
import type { Db } from "../db/client.js";
import { first, run } from "../db/sql.js";
import { Tenant } from "../db/tenant.js";
import { withTransaction } from "../lib/write-transaction.js";
import { generateKey } from "./format.js";
import { endKey, insertKey, type KeyRecord, keyByIdOrPrefix, keysWithMerchant } from "./queries.js";
import type { KeyEnvironment, Scope } from "./scopes.js";

export type { KeyRecord };

export interface CreateKeyInput {
  merchantId: string;
  name: string;
  scopes: Scope[];
  environment: KeyEnvironment;
  locationIds?: string[];
  expiresAt?: Date | null;
}

/** Returns the key in clear text: the only time it is ever shown. */
export async function createKey(db: Db, input: CreateKeyInput): Promise<{ key: string; record: KeyRecord }> {
  const { key, prefix, hash } = generateKey(input.environment);
  const statement = insertKey(new Tenant(input.merchantId), {
    name: input.name,
    prefix,
    hash,
    scopes: input.scopes,
    location_ids: input.locationIds ?? [],
    expires_at: input.expiresAt ?? null,
    rotated_from_id: null,
  });
  return { key, record: (await first(db.pool, statement))! };
}

/** Every key (of one merchant, or of all), oldest first, with its merchant's slug. */
export async function listKeys(db: Db, merchantId?: string) {
  return run(db.pool, keysWithMerchant(merchantId === undefined ? undefined : new Tenant(merchantId)));
}

export async function revokeKey(db: Db, idOrPrefix: string): Promise<KeyRecord> {
  const row = await findKey(db, idOrPrefix);
  return (await first(
    db.pool,
    endKey(new Tenant(row.merchant_id), row.id, { revoked_at: row.revoked_at ?? new Date() }),
  ))!;
}

/**
 * A new key with the same merchant, scopes and locations; the old one stays valid for the
 * overlap (so the client can switch without downtime), then expires.
 */
export async function rotateKey(db: Db, idOrPrefix: string, overlapMs: number) {
  const old = await findKey(db, idOrPrefix);
  if (old.revoked_at) throw new Error(`Key ${old.prefix} is revoked; make a new one instead.`);
  const environment = old.prefix.startsWith("pb_live_") ? "live" : "test";
  const tenant = new Tenant(old.merchant_id);
  return withTransaction(db.pool, async (client) => {
    const end = new Date(Date.now() + overlapMs);
    await run(
      client,
      endKey(tenant, old.id, { expires_at: old.expires_at && old.expires_at < end ? old.expires_at : end }),
    );
    const { key, prefix, hash } = generateKey(environment);
    const record = (await first(
      client,
      insertKey(tenant, {
        name: old.name,
        prefix,
        hash,
        scopes: old.scopes,
        location_ids: old.location_ids,
        expires_at: old.expires_at,
        rotated_from_id: old.id,
      }),
    ))!;
    return { key, record, oldExpiresAt: end };
  });
}

async function findKey(db: Db, idOrPrefix: string): Promise<KeyRecord> {
  const row = await first(db.pool, keyByIdOrPrefix(idOrPrefix));
  if (!row) throw new Error(`No key with id or prefix ${idOrPrefix}.`);
  return row;
}
