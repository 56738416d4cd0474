// The NDJSON export of transactions (our own shape) from each receipt's kept lines (transactions.json_lines,
// migration 20261205110000_transaction_json_lines). PostgreSQL sends each record with markers where a line's product
// and stock on hand go; this fills them in from two maps loaded once, at the export's start: the merchant's products
// by SKU and the stock of the key's stores. PostgreSQL reads one kept text instead of rendering the lines with a probe
// of their product and stock each: its CPU for 100,000 exported records went from 2.8 to ~1.7 s (big bench shape). The
// markers (all other bytes are JSON text, which never holds a raw control character), each 0x01 and a tag:
//   's' <SKU's length in bytes> ':' <SKU>   the product of a line never linked: the merchant's product of that SKU;
//   'k'                                     the stock on hand of that product at the receipt's store;
//   'u' <product id, 36 bytes>              the stock on hand of the line's linked product (its id is in the text).
// A record is read once it has arrived whole (db/binary-copy.ts), so a marker split across the COPY's pieces is whole
// here.
import { sql } from "kysely";
import type pg from "pg";
import { run, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import { inv } from "../transactions/record-sql.js";
import type { BatchBuffers } from "./encode.js";

const MARK = 0x01;
const BY_SKU = 0x73; // 's'
const SKU_STOCK = 0x6b; // 'k'
const LINKED_STOCK = 0x75; // 'u'
const COLON = 0x3a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const UUID_LENGTH = 36;
const NULL = "null";

/** FNV-1a of ASCII text, by its bytes or its characters (the same number for the same text). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
function hashBytes(data: Buffer, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ data[i]!, FNV_PRIME);
  return hash >>> 0;
}
function hashText(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}

/**
 * One store's stock on hand by product id, found from the id's bytes in the record without making a string of them:
 * an export looks up every line, and a string a line was most of what the export allocated (more garbage collection
 * work, and a higher peak of memory on Node 24). A hash of the id, then its characters compared.
 */
export class StoreStock {
  private readonly heads = new Map<number, number>();
  private readonly ids: string[] = [];
  /** The quoted decimal text, as PostgreSQL writes it. */
  private readonly values: string[] = [];
  private readonly chain: number[] = [];

  set(productId: string, json: string): void {
    const hash = hashText(productId);
    this.ids.push(productId);
    this.values.push(json);
    this.chain.push(this.heads.get(hash) ?? -1);
    this.heads.set(hash, this.ids.length - 1);
  }

  /** The stock of the product whose id is data[start, start + 36). */
  at(data: Buffer, start: number): string | undefined {
    for (let i = this.heads.get(hashBytes(data, start, start + UUID_LENGTH)) ?? -1; i !== -1; i = this.chain[i]!) {
      const id = this.ids[i]!;
      let same = id.length === UUID_LENGTH;
      for (let c = 0; same && c < UUID_LENGTH; c++) same = data[start + c] === id.charCodeAt(c);
      if (same) return this.values[i];
    }
    return undefined;
  }

  of(productId: string): string | undefined {
    for (let i = this.heads.get(hashText(productId)) ?? -1; i !== -1; i = this.chain[i]!)
      if (this.ids[i] === productId) return this.values[i];
    return undefined;
  }
}

/** A product as a SKU finds it: its id (the stock's key) and its JSON value. */
export interface SkuProduct {
  id: string;
  json: string;
}

/** What the markers are filled from: JSON values as ASCII text, ready to write. */
export interface KeptLineMaps {
  /** The merchant's products by SKU. */
  productBySku: Map<string, SkuProduct>;
  /** The stock on hand by store; deleted rows left out. */
  stock: Map<string, StoreStock>;
}

/**
 * The maps of the key's merchant and stores, or null when they would hold more than `most` rows together (the
 * export then renders the lines in SQL, as the pages do: EXPORT_KEPT_LINES_MAX_ROWS bounds the memory they take).
 */
export async function loadKeptLineMaps(pool: pg.Pool, tenant: Tenant, most: number): Promise<KeptLineMaps | null> {
  const products = await run(
    pool,
    tenantStatement(
      tenant,
      sql<{ sku: string; id: string }>`SELECT p.sku, p.id FROM products p
        WHERE ${tenant.where("p", { locations: false })} LIMIT ${most + 1}`,
    ),
  );
  if (products.length > most) return null;
  const stockRows = await run(
    pool,
    tenantStatement(
      tenant,
      sql<{ location_id: string; product_id: string; quantity: string }>`
        SELECT ${sql.ref(inv.location_id)}, ${sql.ref(inv.product_id)}, ${sql.ref(inv.quantity)}::text AS quantity
        FROM inventory_items inv WHERE ${tenant.where("inv")} AND ${sql.ref(inv.deleted_at)} IS NULL
        LIMIT ${most - products.length + 1}`,
    ),
  );
  if (products.length + stockRows.length > most) return null;
  const productBySku = new Map(products.map((product) => [product.sku, { id: product.id, json: `"${product.id}"` }]));
  const stock = new Map<string, StoreStock>();
  for (const row of stockRows) {
    let store = stock.get(row.location_id);
    if (!store) {
      store = new StoreStock();
      stock.set(row.location_id, store);
    }
    store.set(row.product_id, `"${row.quantity}"`);
  }
  return { productBySku, stock };
}

/** Bytes written into a buffer of BatchBuffers, a larger one taken when it fills. */
export class GrowingOutput {
  at = 0;

  constructor(
    private readonly buffers: BatchBuffers,
    public backing: Buffer,
  ) {}

  /** Room for `size` more bytes. */
  room(size: number): void {
    if (this.at + size <= this.backing.length) return;
    const larger = this.buffers.take(Math.max(this.at + size, this.backing.length * 2));
    this.backing.copy(larger, 0, 0, this.at);
    this.buffers.give(this.backing);
    this.backing = larger;
  }
}

/** A short ASCII value written character by character (cheaper than a call to write it); returns where it ends. */
function put(target: Buffer, at: number, value: string): number {
  for (let i = 0; i < value.length; i++) target[at + i] = value.charCodeAt(i);
  return at + value.length;
}

const broken = (what: string) => new Error(`A kept lines text with ${what}`);

/**
 * Writes the record in data[start, end), of a receipt at `store` (its stock by product, maps.stock), to `out` with its
 * markers filled in, then a newline. Throws on a marker out of place (the kept text and this reader disagree: never
 * served wrong). Written for speed (every line of an export passes here): one search per marker, nothing allocated
 * but an unlinked line's SKU, the record's room taken once (filled in, a line grows by at most ~50 bytes, and every
 * line is longer than that), short values copied by hand.
 */
export function spliceRecord(
  maps: KeptLineMaps,
  data: Buffer,
  start: number,
  end: number,
  store: StoreStock | undefined,
  out: GrowingOutput,
): void {
  out.room(2 * (end - start) + 1);
  const target = out.backing;
  let at = out.at;
  /** After a SKU's marker, until its stock's: the product it found (null: none). */
  let bySku: SkuProduct | null | undefined;
  let from = start;
  for (;;) {
    // The search may run past the record's end (to the next record's first marker): a few hundred bytes at most.
    const mark = data.indexOf(MARK, from);
    if (mark === -1 || mark >= end) break;
    at += data.copy(target, at, from, mark);
    const tag = mark + 1 < end ? data[mark + 1] : undefined;
    if (tag === LINKED_STOCK && bySku === undefined && mark + 2 + UUID_LENGTH <= end) {
      from = mark + 2 + UUID_LENGTH;
      at = put(target, at, store?.at(data, mark + 2) ?? NULL);
    } else if (tag === BY_SKU && bySku === undefined) {
      let digit = mark + 2;
      let length = 0;
      while (digit < end && data[digit]! >= DIGIT_0 && data[digit]! <= DIGIT_9)
        length = length * 10 + data[digit++]! - DIGIT_0;
      if (digit >= end || data[digit] !== COLON || digit === mark + 2 || digit + 1 + length > end)
        throw broken("a bad SKU marker");
      from = digit + 1 + length;
      bySku = maps.productBySku.get(data.toString("utf8", digit + 1, from)) ?? null;
      at = put(target, at, bySku?.json ?? NULL);
    } else if (tag === SKU_STOCK && bySku !== undefined) {
      from = mark + 2;
      at = put(target, at, (bySku && store?.of(bySku.id)) || NULL);
      bySku = undefined;
    } else throw broken("a marker out of place");
  }
  if (bySku !== undefined) throw broken("a SKU's marker without its stock's");
  at += data.copy(target, at, from, end);
  target[at++] = 0x0a;
  out.at = at;
}
