// Our own shape's records from each receipt's kept lines (transactions.json_lines, migration
// 20261205110000_transaction_json_lines), for the NDJSON export and the pages. PostgreSQL sends each record with
// markers where a line's product and stock on hand go; this fills them in from two maps: the products by SKU and the
// stock by store and product. The export loads them whole, once, at its start (loadKeptLineMaps); a page loads what
// its records name, after them (loadLineStock). PostgreSQL reads one kept text instead of rendering the lines with a
// probe of their product and stock each: its CPU for 100,000 exported records went from 2.8 to ~1.7 s (big bench
// shape). The markers (all other bytes are JSON text, which never holds a raw control character), each 0x01 and a
// tag:
//   's' <SKU's length in bytes> ':' <SKU>   the product of a line never linked: the merchant's product of that SKU;
//   'k'                                     the stock on hand of that product at the receipt's store;
//   'u' <product id, 36 bytes>              the stock on hand of the line's linked product (its id is in the text).
// A record is read once it has arrived whole (db/binary-copy.ts), so a marker split across the COPY's pieces is whole
// here.
import { sql } from "kysely";
import type pg from "pg";
import { type Executor, run, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import { opaque } from "../lib/stable-plan.js";
import { inv } from "./record-sql.js";

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
  return mapsOf(products, stockRows);
}

/** The maps of products (SKU, id) and stock rows. */
function mapsOf(
  products: { sku: string; id: string }[],
  stockRows: { location_id: string; product_id: string; quantity: string }[],
): KeptLineMaps {
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

/** What some records' markers name, by store: the linked products whose stock they show, the SKUs of unlinked lines. */
export class LineNeeds {
  readonly linked = new Map<string, Set<string>>();
  readonly bySku = new Map<string, Set<string>>();

  get empty(): boolean {
    return this.linked.size === 0 && this.bySku.size === 0;
  }

  /** Notes what the record in data[start, end), of a receipt at `store`, names (throws on a marker out of place). */
  add(data: Buffer, start: number, end: number, store: string): void {
    // Searched up to the record's end only: past it, a page's buffer holds bytes not yet written.
    const record = data.subarray(0, end);
    for (let mark = record.indexOf(MARK, start); mark !== -1; mark = record.indexOf(MARK, mark + 1)) {
      const tag = data[mark + 1];
      if (tag === LINKED_STOCK && mark + 2 + UUID_LENGTH <= end)
        setOf(this.linked, store).add(data.toString("latin1", mark + 2, mark + 2 + UUID_LENGTH));
      else if (tag === BY_SKU) {
        const [from, to] = skuAt(data, mark, end);
        setOf(this.bySku, store).add(data.toString("utf8", from, to));
        mark = to - 1;
      } else if (tag !== SKU_STOCK) throw broken("a marker out of place");
    }
  }
}

const setOf = (sets: Map<string, Set<string>>, key: string): Set<string> => {
  const set = sets.get(key) ?? new Set<string>();
  if (set.size === 0) sets.set(key, set);
  return set;
};

/** Each (key, member) of the sets as two arrays. */
function pairs(sets: Map<string, Set<string>>): [string[], string[]] {
  const keys: string[] = [];
  const members: string[] = [];
  for (const [key, set] of sets)
    for (const member of set) {
      keys.push(key);
      members.push(member);
    }
  return [keys, members];
}

/** loadLineStock's statement: a row (sku, product id) per product found by SKU, then a row (null, every stock row). */
export function lineStockStatement(tenant: Tenant, needs: LineNeeds) {
  const [linkedStores, linkedProducts] = pairs(needs.linked);
  const [skuStores, skus] = pairs(needs.bySku);
  return tenantStatement(
    tenant,
    sql<{ sku: string | null; value: string | null }>`
      SELECT p.sku, p.id::text AS value
      FROM unnest(${opaque([...new Set(skus)], "text[]")}) AS s(sku)
      CROSS JOIN LATERAL (SELECT p.sku, p.id FROM products p
        WHERE ${tenant.where("p", { locations: false })} AND p.sku = s.sku OFFSET 0) p
      UNION ALL
      SELECT NULL, string_agg(inv.location_id::text || inv.product_id::text || inv.quantity::text, ',')
      FROM (
        SELECT * FROM unnest(${opaque(linkedStores, "uuid[]")}, ${opaque(linkedProducts, "uuid[]")})
        UNION ALL
        SELECT w.location_id, p.id
        FROM unnest(${opaque(skuStores, "uuid[]")}, ${opaque(skus, "text[]")}) AS w(location_id, sku)
        CROSS JOIN LATERAL (SELECT p.id FROM products p
          WHERE ${tenant.where("p", { locations: false })} AND p.sku = w.sku OFFSET 0) p
      ) AS w(location_id, product_id)
      CROSS JOIN LATERAL (
        SELECT ${sql.ref(inv.location_id)}, ${sql.ref(inv.product_id)}, ${sql.ref(inv.quantity)}
        FROM inventory_items inv
        WHERE ${sql.ref(inv.location_id)} = w.location_id AND ${sql.ref(inv.product_id)} = w.product_id
          AND ${sql.ref(inv.deleted_at)} IS NULL AND ${tenant.where("inv")}
        OFFSET 0
      ) inv`,
    { prepare: "tx-stock" },
  );
}

/**
 * The maps for records whose markers name `needs` (a page's), in one statement: the products of the unlinked lines'
 * SKUs, and the stock at each store of the products its lines name, linked or found by SKU. Each by a probe of its
 * key (products' (merchant, sku), inventory's (location, product)), fenced like the records' joins; the arrays are
 * hidden from the planner (opaque) so a warm connection keeps one plan whatever their lengths. The key's scope on
 * every table: a record names only its own merchant's products and stores, and the lookup reads nothing else. The
 * stock comes as one text (each row its store's and product's ids, 36 characters each, and the quantity; rows
 * separated by commas): a row each cost pg ~1.5 µs more to read (big, a page of 1,000: 2,198 rows, 4.0 against 1.3 ms
 * of the service's CPU).
 */
export async function loadLineStock(executor: Executor, tenant: Tenant, needs: LineNeeds): Promise<KeptLineMaps> {
  const rows = needs.empty ? [] : await run(executor, lineStockStatement(tenant, needs));
  const products: { sku: string; id: string }[] = [];
  const stock: { location_id: string; product_id: string; quantity: string }[] = [];
  for (const { sku, value } of rows) {
    if (sku !== null) products.push({ sku, id: value! });
    else if (value !== null)
      for (const entry of value.split(","))
        stock.push({
          location_id: entry.slice(0, UUID_LENGTH),
          product_id: entry.slice(UUID_LENGTH, 2 * UUID_LENGTH),
          quantity: entry.slice(2 * UUID_LENGTH),
        });
  }
  return mapsOf(products, stock);
}

/** Where bytes are taken from and given back (export/encode.ts's BatchBuffers, or fresh ones for a page). */
export interface Buffers {
  take(size: number): Buffer;
  give(buffer: Buffer): void;
}

/** Bytes written into a buffer of Buffers, a larger one taken when it fills. */
export class GrowingOutput {
  at = 0;

  constructor(
    private readonly buffers: Buffers,
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

/** The SKU of the SKU marker at data[mark]: where its bytes start and end (throws on a bad marker). */
function skuAt(data: Buffer, mark: number, end: number): [number, number] {
  let digit = mark + 2;
  let length = 0;
  while (digit < end && data[digit]! >= DIGIT_0 && data[digit]! <= DIGIT_9)
    length = length * 10 + data[digit++]! - DIGIT_0;
  if (digit >= end || data[digit] !== COLON || digit === mark + 2 || digit + 1 + length > end)
    throw broken("a bad SKU marker");
  return [digit + 1, digit + 1 + length];
}

/**
 * How a record is written: `ndjson`, as kept (json_agg's separator between lines without its line break) and a
 * newline after it; `page`, as the pages' SQL renders it (the separator's line break put back), nothing after it.
 */
export type RecordLayout = "ndjson" | "page";

/** Between two lines as kept, after the stock marker's closing brace: `},  ` (json_agg's `, \n ` less its break). */
const CLOSE = 0x7d;
const COMMA = 0x2c;
const SPACE = 0x20;
const BREAK = 0x0a;

/**
 * Writes the record in data[start, end), of a receipt at `store` (its stock by product, maps.stock), to `out` with its
 * markers filled in, laid out as `layout` says. Throws on a marker out of place (the kept text and this reader
 * disagree: never served wrong). Written for speed (every line of an export passes here): one search per marker,
 * nothing allocated but an unlinked line's SKU, the record's room taken once (filled in, a line grows by at most ~50
 * bytes, and every line is longer than that), short values copied by hand.
 */
export function spliceRecord(
  maps: KeptLineMaps,
  data: Buffer,
  start: number,
  end: number,
  store: StoreStock | undefined,
  out: GrowingOutput,
  layout: RecordLayout,
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
      const [sku, skuEnd] = skuAt(data, mark, end);
      from = skuEnd;
      bySku = maps.productBySku.get(data.toString("utf8", sku, skuEnd)) ?? null;
      at = put(target, at, bySku?.json ?? NULL);
      continue;
    } else if (tag === SKU_STOCK && bySku !== undefined) {
      from = mark + 2;
      at = put(target, at, (bySku && store?.of(bySku.id)) || NULL);
      bySku = undefined;
    } else throw broken("a marker out of place");
    // A stock's marker ends a line: on a page, the separator to the next line gets its line break back.
    if (
      layout === "page" &&
      from + 4 <= end &&
      data[from] === CLOSE &&
      data[from + 1] === COMMA &&
      data[from + 2] === SPACE &&
      data[from + 3] === SPACE
    ) {
      target[at++] = CLOSE;
      target[at++] = COMMA;
      target[at++] = SPACE;
      target[at++] = BREAK;
      target[at++] = SPACE;
      from += 4;
    }
  }
  if (bySku !== undefined) throw broken("a SKU's marker without its stock's");
  at += data.copy(target, at, from, end);
  if (layout === "ndjson") target[at++] = BREAK;
  out.at = at;
}
