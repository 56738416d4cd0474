// The SQL of receipt writes: the transactions and line_items rows a PUT, a batch, a refund check or
// a void reads, locks and writes. Every other module of the write path calls these functions.
//
// Every statement carries the merchant's scope (db/tenant.ts), also those that address rows by an
// id the same transaction has just locked under that scope (the lines of a locked receipt, the
// refunds of a locked sale, the void of a locked receipt): it costs one more condition on rows
// already found by their index, and keeps the scope a property of every statement rather than of
// the order the statements run in. Rows found by id or by their sale take the merchant's scope
// only (locations: false): a sale's refunds may be at any of the merchant's stores and all count.
//
// Bulk inserts read their rows from unnest() of one array per column (one statement for any number
// of rows); the column lists are checked against schema.prisma's types, and so are the row values.
import { type Insertable, type SqlBool, sql } from "kysely";
import { type AuditEntry, auditInsert } from "../audit/record.js";
import {
  type Columns,
  columnsOf,
  type DB,
  type Executor,
  execute,
  first,
  qb,
  type Row,
  reusableForMerchant,
  run,
  type TableName,
  tenantStatement,
} from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import { TransactionKind, TransactionStatus } from "../generated/kysely/enums.js";
import { utcText } from "../lib/sync-feed.js";

/**
 * A receipt's line as written (its receipt and merchant are the statement's; its JSON fragments are
 * written by a trigger, record-sql.ts).
 */
export type LineRow = Omit<Row<"line_items">, "merchant_id" | "transaction_id" | "json_head" | "json_body">;

/** The columns a receipt write sets on its transactions row. */
export type ReceiptColumns = Required<
  Pick<
    Insertable<DB["transactions"]>,
    | "id"
    | "pos_id"
    | "location_id"
    | "customer_id"
    | "employee_id"
    | "channel"
    | "kind"
    | "original_transaction_id"
    | "transacted_at"
    | "business_date"
    | "subtotal"
    | "discount_total"
    | "tax_total"
    | "total"
    | "cost_total"
    | "body_hash"
  >
>;

/** Columns of a table with the PostgreSQL type of their unnest() array. */
type ColumnTypes<T extends TableName> = readonly (readonly [keyof DB[T] & string, string])[];

const LINE_COLUMNS = [
  ["id", "uuid"],
  ["line_number", "int"],
  ["product_id", "uuid"],
  ["sku", "text"],
  ["pos_product_id", "text"],
  ["name", "text"],
  ["brand", "text"],
  ["category", "text"],
  ["parent_category", "text"],
  ["size", "text"],
  ["strain", "text"],
  ["grade", "text"],
  ["species", "text"],
  ["unit_price", "numeric"],
  ["quantity", "numeric"],
  ["discount", "numeric"],
  ["tax", "numeric"],
  ["line_total", "numeric"],
  ["unit_cost", "numeric"],
] as const satisfies ColumnTypes<"line_items"> & readonly (readonly [keyof LineRow, string])[];

const RECEIPT_COLUMNS = [
  ["id", "uuid"],
  ["pos_id", "text"],
  ["location_id", "uuid"],
  ["customer_id", "uuid"],
  ["employee_id", "uuid"],
  ["channel", '"Channel"'],
  ["kind", '"TransactionKind"'],
  ["original_transaction_id", "uuid"],
  ["transacted_at", "timestamptz"],
  ["business_date", "date"],
  ["subtotal", "numeric"],
  ["discount_total", "numeric"],
  ["tax_total", "numeric"],
  ["total", "numeric"],
  ["cost_total", "numeric"],
  ["body_hash", "text"],
] as const satisfies ColumnTypes<"transactions"> & readonly (readonly [keyof ReceiptColumns, string])[];

/** `unnest($1::uuid[], …) AS x(id, …)`: the rows as one array parameter per column. */
function unnestOf<C extends readonly (readonly [string, string])[]>(
  columns: C,
  rows: readonly { [K in C[number][0]]: unknown }[],
) {
  const arrays = columns.map(([name, type]) => sql`${rows.map((r) => r[name as C[number][0]])}::${sql.raw(type)}[]`);
  return sql`unnest(${sql.join(arrays)}) AS x(${sql.join(columns.map(([name]) => sql.id(name)))})`;
}
const names = <C extends readonly (readonly [string, string])[]>(columns: C) =>
  columns.map(([name]) => name) as C[number][0][];
const fromX = (columns: readonly (readonly [string, string])[]) =>
  sql.join(columns.map(([name]) => sql.ref(`x.${name}`)));

const LINES_OF_RECEIPTS = [["transaction_id", "uuid"], ...LINE_COLUMNS] as const satisfies ColumnTypes<"line_items">;
export type ReceiptLineRow = LineRow & { transaction_id: string };

const intoLines = () => qb.insertInto("line_items").columns(["merchant_id", ...names(LINES_OF_RECEIPTS)]);
/** The lines of the one receipt the statement's WITH `t` wrote (none when it wrote none). */
const insertLinesOfWritten = (tenant: Tenant, lines: LineRow[]) =>
  intoLines().expression(
    sql`SELECT ${tenant.merchant}, t.id, ${fromX(LINE_COLUMNS)} FROM t, ${unnestOf(LINE_COLUMNS, lines)}`,
  );
/** Lines of several receipts. */
const insertLinesOfReceipts = (tenant: Tenant, lines: ReceiptLineRow[]) =>
  intoLines().expression(
    sql`SELECT ${tenant.merchant}, ${fromX(LINES_OF_RECEIPTS)} FROM ${unnestOf(LINES_OF_RECEIPTS, lines)}`,
  );

// ------------------------------------------------------------------------------------------------
// Finding and locking receipts

/** What an unlocked look at a stored receipt tells: whether the key may see it, and whether it changed. */
export type SeenReceipt = Columns<"transactions", "id" | "body_hash" | "location_id">;

/** A receipt by POS id, without a lock: re-sent bodies are answered "unchanged" from this alone. */
export const receiptsByPosId = (db: Executor, tenant: Tenant, posIds: string[]) =>
  run(
    db,
    tenantStatement(
      tenant,
      qb
        .selectFrom("transactions as t")
        .select(["t.id", "t.pos_id", "t.body_hash", "t.location_id"])
        .where(tenant.where("t", { locations: false }))
        .where((eb) => eb("t.pos_id", "=", eb.fn.any(eb.val(posIds)))),
    ),
  );

/** `r` is a live refund of the sale: completed and not deleted. */
const liveRefundOf = (sale: string | ReturnType<typeof sql.ref>) => {
  const r = columnsOf("transactions", "r");
  return sql<SqlBool>`${sql.ref(r.original_transaction_id)} = ${sale}
    AND ${sql.ref(r.kind)} = ${sql.lit(TransactionKind.refund)}
    AND ${sql.ref(r.status)} = ${sql.lit(TransactionStatus.completed)} AND ${sql.ref(r.deleted_at)} IS NULL`;
};

/**
 * The receipts of these POS ids, to lock (SELECT … FOR UPDATE, in POS id order: the lock order of
 * every write). `locations: true` finds only receipts at the key's stores; false any of the
 * merchant's (the caller answers 404 for the others).
 */
const receiptsToLock = (tenant: Tenant, posIds: string[], locations: boolean) =>
  qb
    .selectFrom("transactions as t")
    .select((eb) => [
      "t.id",
      "t.pos_id",
      "t.body_hash",
      "t.kind",
      "t.status",
      "t.location_id",
      eb("t.deleted_at", "is not", null).as("deleted"),
      // A normalised microsecond text (lib/instant.ts), which compares as a string.
      sql.raw<string>(utcText(columnsOf("transactions", "t").transacted_at)).as("transacted_at"),
    ])
    .where(tenant.where("t", { locations }))
    .where((eb) => eb("t.pos_id", "=", eb.fn.any(eb.val(posIds))))
    .orderBy("t.pos_id")
    .forUpdate("t");

/** Locks one receipt by POS id. */
export const lockReceipt = (db: Executor, tenant: Tenant, posId: string, { locations }: { locations: boolean }) =>
  first(db, tenantStatement(tenant, receiptsToLock(tenant, [posId], locations)));
export type LockedReceipt = NonNullable<Awaited<ReturnType<typeof lockReceipt>>>;

/** Locks the merchant's receipts of these POS ids, with whether each has live refunds. */
export const lockReceiptsWithRefunds = (db: Executor, tenant: Tenant, posIds: string[]) =>
  run(
    db,
    tenantStatement(
      tenant,
      receiptsToLock(tenant, posIds, false).select((eb) =>
        eb
          .exists(
            eb
              .selectFrom("transactions as r")
              .select(sql.lit(1).as("one"))
              .where(tenant.where("r", { locations: false }))
              .where(liveRefundOf(sql.ref("t.id"))),
          )
          .as("has_refunds"),
      ),
    ),
  );

// ------------------------------------------------------------------------------------------------
// Writing receipts

/**
 * One receipt in one statement: its row (inserted, or updated in place), its lines and its audit
 * entry. Returns whether the row was written (an insert finds nothing when another request created
 * the receipt meanwhile; the caller then rolls back and retries, which also drops the audit entry).
 */
export async function saveReceipt(
  db: Executor,
  tenant: Tenant,
  receipt: ReceiptColumns,
  lines: LineRow[],
  mode: "insert" | "update",
  audit: { keyId: string; entry: AuditEntry },
): Promise<boolean> {
  const { id, ...columns } = receipt;
  const written =
    mode === "insert"
      ? qb
          .insertInto("transactions")
          .values({ ...receipt, merchant_id: tenant.merchant })
          .onConflict((oc) => oc.columns(["merchant_id", "pos_id"]).doNothing())
          .returning("id")
      : qb
          .updateTable("transactions as u")
          .set({ ...columns, deleted_at: null })
          .where(tenant.where("u", { locations: false }))
          .where("u.id", "=", id)
          .returning("u.id");
  const statement = qb
    .with("t", () => written)
    .with("l", () => insertLinesOfWritten(tenant, lines))
    .with("a", () => auditInsert(tenant, audit.keyId, [audit.entry]))
    .selectFrom("t")
    .select("t.id");
  return (await run(db, tenantStatement(tenant, statement))).length === 1;
}

/** Deletes the lines of receipts this transaction has locked (they are then written anew). */
export const deleteLines = (db: Executor, tenant: Tenant, transactionIds: string[]) =>
  execute(
    db,
    tenantStatement(
      tenant,
      qb
        .deleteFrom("line_items as li")
        .where(tenant.where("li", { locations: false }))
        .where((eb) => eb("li.transaction_id", "=", eb.fn.any(eb.val(transactionIds)))),
    ),
  );

/** Inserts receipts (in POS id order, the lock order); returns the ids of those inserted (not found existing). */
export const insertReceipts = (db: Executor, tenant: Tenant, receipts: ReceiptColumns[]) =>
  run(
    db,
    tenantStatement(
      tenant,
      qb
        .insertInto("transactions")
        .columns(["merchant_id", ...names(RECEIPT_COLUMNS)])
        .expression(
          sql`SELECT ${tenant.merchant}, ${fromX(RECEIPT_COLUMNS)} FROM ${unnestOf(RECEIPT_COLUMNS, receipts)}
               ORDER BY x.pos_id`,
        )
        .onConflict((oc) => oc.columns(["merchant_id", "pos_id"]).doNothing())
        .returning("id"),
    ),
  );

/** Replaces locked receipts' columns (and undeletes them). */
export const updateReceipts = (db: Executor, tenant: Tenant, receipts: ReceiptColumns[]) => {
  const set = RECEIPT_COLUMNS.filter(([name]) => name !== "id");
  const deleted: keyof DB["transactions"] = "deleted_at";
  return execute(
    db,
    tenantStatement(
      tenant,
      sql`UPDATE ${sql.table("transactions" satisfies TableName)} AS u
             SET (${sql.join(set.map(([name]) => sql.id(name)))}, ${sql.id(deleted)}) = (${fromX(set)}, NULL)
            FROM ${unnestOf(RECEIPT_COLUMNS, receipts)}
           WHERE ${tenant.where("u", { locations: false })} AND u.id = x.id`,
    ),
  );
};

/** Lines of several receipts in one statement. */
export const insertLines = (db: Executor, tenant: Tenant, lines: ReceiptLineRow[]) =>
  execute(db, tenantStatement(tenant, insertLinesOfReceipts(tenant, lines)));

// ------------------------------------------------------------------------------------------------
// A new sale in one call: pos_bridge_put_new_sale (prisma/migrations/20261205020000_put_new_sale)

export type NewSaleOutcome =
  | { outcome: "created"; id: string }
  | ({ outcome: "exists" } & SeenReceipt)
  | { outcome: "fallback" };

/** The function's inputs: the sale's columns, its customer and employee by POS id, its audit entry and lines. */
export interface NewSale {
  receipt: Omit<ReceiptColumns, "customer_id" | "employee_id" | "kind" | "original_transaction_id" | "cost_total">;
  customerPosUser: Row<"customers">["pos_user"] | null;
  employeePosId: Row<"employees">["pos_id"] | null;
  keyId: Row<"api_keys">["id"];
  detail: AuditEntry["detail"];
  lines: LineRow[];
}

type NewSaleReceipt = NewSale["receipt"];
/** The function's arguments after the merchant, in its order. */
type PutNewSaleArguments = [
  id: NewSaleReceipt["id"],
  posId: NewSaleReceipt["pos_id"],
  locationId: NewSaleReceipt["location_id"],
  customerPosUser: NewSale["customerPosUser"],
  employeePosId: NewSale["employeePosId"],
  channel: NewSaleReceipt["channel"],
  transactedAt: NewSaleReceipt["transacted_at"],
  businessDate: NewSaleReceipt["business_date"],
  subtotal: NewSaleReceipt["subtotal"],
  discountTotal: NewSaleReceipt["discount_total"],
  taxTotal: NewSaleReceipt["tax_total"],
  total: NewSaleReceipt["total"],
  bodyHash: NewSaleReceipt["body_hash"],
  keyId: NewSale["keyId"],
  detail: string,
  lines: string,
];

// Built and compiled once (db/sql.ts): it runs on every new sale's request.
const putNewSaleStatement = reusableForMerchant<PutNewSaleArguments, { outcome: NewSaleOutcome }>(
  16,
  (
    tenant,
    id,
    posId,
    locationId,
    customer,
    employee,
    channel,
    at,
    date,
    subtotal,
    discount,
    tax,
    total,
    hash,
    key,
    detail,
    lines,
  ) =>
    sql<{ outcome: NewSaleOutcome }>`SELECT pos_bridge_put_new_sale(${id}::uuid, ${tenant.merchant}, ${posId},
      ${locationId}::uuid, ${customer}, ${employee}, ${channel}::"Channel",
      ${at}::timestamptz, ${date}::date, ${subtotal}::numeric, ${discount}::numeric,
      ${tax}::numeric, ${total}::numeric, ${hash}, ${key}::uuid,
      ${detail}::jsonb, ${lines}::jsonb) AS outcome`,
  { prepare: "put-new-sale" },
);

export async function callPutNewSale(db: Executor, tenant: Tenant, sale: NewSale): Promise<NewSaleOutcome> {
  const r = sale.receipt;
  const statement = putNewSaleStatement(
    tenant,
    r.id,
    r.pos_id,
    r.location_id,
    sale.customerPosUser,
    sale.employeePosId,
    r.channel,
    r.transacted_at,
    r.business_date,
    r.subtotal,
    r.discount_total,
    r.tax_total,
    r.total,
    r.body_hash,
    sale.keyId,
    JSON.stringify(sale.detail),
    JSON.stringify(sale.lines),
  );
  return (await first(db, statement))!.outcome;
}

// ------------------------------------------------------------------------------------------------
// Refunds and voids

/** Per SKU of a sale's live refunds (other than `exceptId`): the units given back (positive). */
const refundedQuery = (tenant: Tenant, saleId: string, exceptId: string | null) =>
  qb
    .selectFrom("transactions as r")
    .innerJoin("line_items as rl", "rl.transaction_id", "r.id")
    .select((eb) => ["rl.sku", sql<string>`-sum(${eb.ref("rl.quantity")})`.as("refunded")])
    .where(tenant.where("r", { locations: false }))
    .where(liveRefundOf(saleId))
    .$if(exceptId !== null, (q) => q.where("r.id", "<>", exceptId!))
    .groupBy("rl.sku");

/** Units refunded per SKU by a sale's live refunds. */
export const refundedUnits = (db: Executor, tenant: Tenant, saleId: string) =>
  run(db, tenantStatement(tenant, refundedQuery(tenant, saleId, null)));

/** Per SKU of a sale: units sold, units given back by its refunds other than `exceptId`, its first line's unit cost. */
export const saleLedgerRows = (db: Executor, tenant: Tenant, saleId: string, exceptId: string | null) =>
  run(
    db,
    tenantStatement(
      tenant,
      qb
        .selectFrom(
          qb
            .selectFrom("line_items as li")
            .select((eb) => [
              "li.sku",
              eb.fn.sum<string>("li.quantity").as("sold"),
              sql<string | null>`(array_agg(${eb.ref("li.unit_cost")} ORDER BY ${eb.ref("li.line_number")}))[1]`.as(
                "unit_cost",
              ),
            ])
            .where(tenant.where("li", { locations: false }))
            .where("li.transaction_id", "=", saleId)
            .groupBy("li.sku")
            .as("s"),
        )
        .leftJoin(refundedQuery(tenant, saleId, exceptId).as("rf"), "rf.sku", "s.sku")
        .select((eb) => [
          "s.sku",
          "s.sold",
          eb.fn.coalesce("rf.refunded", sql<string>`0`).as("refunded"),
          "s.unit_cost",
        ]),
    ),
  );

/** Up to five POS ids of a sale's live refunds, for the message that they must be voided first. */
export const refundPosIds = (db: Executor, tenant: Tenant, saleId: string) =>
  run(
    db,
    tenantStatement(
      tenant,
      qb
        .selectFrom("transactions as r")
        .select("r.pos_id")
        .where(tenant.where("r", { locations: false }))
        .where(liveRefundOf(saleId))
        .orderBy("r.pos_id")
        .limit(5),
    ),
  );

/** Voids a locked receipt at `voidedAt` (default now); returns the void time stored. */
export async function markVoided(db: Executor, tenant: Tenant, id: string, voidedAt: string | null): Promise<Date> {
  const row = await first(
    db,
    tenantStatement(
      tenant,
      qb
        .updateTable("transactions as u")
        .set({ status: TransactionStatus.voided, voided_at: sql<Date>`coalesce(${voidedAt}::timestamptz, now())` })
        .where(tenant.where("u", { locations: false }))
        .where("u.id", "=", id)
        .returning("u.voided_at"),
    ),
  );
  return row!.voided_at!;
}

// ------------------------------------------------------------------------------------------------
// The customers, employees and products a receipt links to (read only)

/** Who a receipt names by POS id: a customer (pos_user) or an employee (pos_id). */
type PosKey =
  | { table: "customers"; column: keyof DB["customers"] & "pos_user" }
  | { table: "employees"; column: keyof DB["employees"] & "pos_id" };

/** The merchant's customers or employees by their POS key: their ids, keyed by POS key (the ones found). */
export async function idsByPosKey(db: Executor, tenant: Tenant, { table, column }: PosKey, keys: string[]) {
  if (keys.length === 0) return new Map<string, string>();
  const key = sql.ref(`x.${column}`);
  const rows = await run(
    db,
    tenantStatement(
      tenant,
      sql<{ key: string; id: string }>`SELECT ${key} AS key, x.id FROM ${sql.table(table)} AS x
        WHERE ${tenant.where("x", { locations: false })} AND ${key} = ANY(${[...new Set(keys)]}::text[])`,
    ),
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}
export const CUSTOMER_BY_POS_USER: PosKey = { table: "customers", column: "pos_user" };
export const EMPLOYEE_BY_POS_ID: PosKey = { table: "employees", column: "pos_id" };

/** The merchant's products of these SKUs, with their unit cost at each of these stores that stocks them. */
export const productsBySku = (db: Executor, tenant: Tenant, locationIds: string[], skus: string[]) =>
  run(
    db,
    tenantStatement(
      tenant,
      qb
        .selectFrom("products as p")
        .leftJoin("inventory_items as i", (join) =>
          join.onRef("i.product_id", "=", "p.id").on((eb) => eb("i.location_id", "=", eb.fn.any(eb.val(locationIds)))),
        )
        .select(["p.sku", "p.id", "i.location_id", "i.unit_cost"])
        .where(tenant.where("p", { locations: false }))
        .where((eb) => eb("p.sku", "=", eb.fn.any(eb.val(skus)))),
    ),
  );
