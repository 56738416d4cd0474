// The data layer's one way to PostgreSQL. Statements are written with Kysely over the table types
// prisma-kysely generates from schema.prisma (src/generated/kysely, made by `prisma generate`, no
// database needed): a column renamed in the schema fails the typecheck wherever a statement reads it,
// and every row's type follows from the statement. Kysely only builds and compiles here; statements
// run on our own pg pool or transaction client (run()), so named prepared statements (a warm
// connection keeps one plan: lib/stable-plan.ts), transactions and COPY streams stay as they are.
//
// Every statement says whose rows it touches: tenantStatement() for a merchant's (the scope written by
// db/tenant.ts, checked here to be in the statement), reviewedStatement() for the few that come before
// any merchant is known or touch no merchant's rows, with the reason. The isolation suite listens to
// what runs (onStatement) and checks that every request ran only its own merchant's statements.
import {
  type Compilable,
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  type Selectable,
} from "kysely";
import pg from "pg";
import type { DB } from "../generated/kysely/types.js";
import { preparedStatement } from "../lib/stable-plan.js";
import { scopesIn, Tenant } from "./tenant.js";

const { escapeIdentifier, escapeLiteral } = pg;

export type { DB };
export type TableName = keyof DB;
/** A table's row as pg hands it over: NUMERIC and INT8 as text (db/client.ts), timestamps and dates as Date. */
export type Row<T extends TableName> = Selectable<DB[T]>;
/** Some columns of a table's row. */
export type Columns<T extends TableName, C extends keyof Row<T>> = Pick<Row<T>, C>;

/**
 * Builds and compiles statements; never connects (statements run through run()).
 * `qb.selectFrom("transactions as t")…` or `sql<…>` fragments compiled against it.
 */
export const qb = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/**
 * Column names of one table under an alias, for SQL written as text (PostgreSQL-rendered JSON):
 * `columnsOf("transactions", "t").business_date` is `"t.business_date"`, and a column that is not in
 * schema.prisma is a type error.
 */
export function columnsOf<T extends TableName>(
  table: T,
  alias: string = table,
): { readonly [C in keyof DB[T] & string]: string } {
  return new Proxy({} as { readonly [C in keyof DB[T] & string]: string }, {
    get: (_target, column) => `${alias}.${String(column)}`,
  });
}

/** A pool or a transaction's client. */
export type Executor = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

/** Whose rows a statement touches. */
export type StatementScope = { tenant: Tenant } | { reviewed: ReviewedReason };

/**
 * The statements that run with no merchant's scope, each for a reason the isolation suite reviews:
 * extend this list only with a reason that holds for every row the statement can touch.
 */
export const REVIEWED_REASONS = {
  "key-lookup":
    "authentication finds a key by its public prefix, before any merchant is known; the hash then proves it",
  "no-tenant-table":
    "the statement touches no merchant's table (rate-limit counters, migrations, the server's own statistics)",
  command: "an operator's command (seed, keys, migrations), run outside any request with the operator's own rights",
  housekeeping:
    "the service's own upkeep, outside any request, over every merchant alike (expired idempotency " + "answers)",
  "instance-figure":
    "a figure of the whole instance (a metric): a count over every merchant's rows that returns no row, id or value",
  "locked-by-id":
    "rows addressed by an id that the same transaction has just read and locked under the merchant's scope",
} as const;
export type ReviewedReason = keyof typeof REVIEWED_REASONS;

export interface Statement<R> {
  readonly compiled: CompiledQuery<R>;
  readonly scope: StatementScope;
  /** Run as a named prepared statement of this prefix (one plan per connection; lib/stable-plan.ts). */
  readonly prepare?: string;
}

type Query<R> = Compilable<R> | RawBuilder<R>;
const compile = <R>(query: Query<R>): CompiledQuery<R> =>
  "isRawBuilder" in query ? (query as RawBuilder<R>).compile(qb) : (query as Compilable<R>).compile();

/** A statement on a merchant's rows: it must carry that merchant's scope (tenant.where / tenant.merchant). */
export function tenantStatement<R>(tenant: Tenant, query: Query<R>, options: { prepare?: string } = {}): Statement<R> {
  const compiled = compile(query);
  if (!scopesIn(compiled.query).includes(tenant)) {
    throw new Error(
      "A tenant statement without its tenant's scope: build its WHERE (or merchant_id value) with db/tenant.ts",
    );
  }
  return { compiled, scope: { tenant }, prepare: options.prepare };
}

/** A statement without a merchant's scope, for one of the reviewed reasons. */
export function reviewedStatement<R>(
  reason: ReviewedReason,
  query: Query<R>,
  options: { prepare?: string } = {},
): Statement<R> {
  return { compiled: compile(query), scope: { reviewed: reason }, prepare: options.prepare };
}

/**
 * A statement built and compiled once, then reused with other text values: `build` runs once with
 * marks in place of its arguments, and each call swaps the marks in the parameters for the values. For
 * a statement on every request's path (the key lookup), where building it per request showed in CPU
 * profiles. Every argument must end up as a parameter (checked once).
 */
export function reusable<A extends unknown[], R>(arity: A["length"], build: (...args: A) => Statement<R>) {
  const marks = Array.from({ length: arity }, (_, i) => `\u0000reusable-${i}\u0000`) as unknown as A;
  const template = build(...marks);
  const argumentAt = template.compiled.parameters.map((value) => marks.indexOf(value));
  if (marks.some((_, i) => !argumentAt.includes(i))) throw new Error("reusable(): an argument is not a parameter");
  return (...args: A): Statement<R> => ({
    ...template,
    compiled: {
      ...template.compiled,
      parameters: template.compiled.parameters.map((value, j) => {
        const at = argumentAt[j] ?? -1;
        return at >= 0 ? args[at] : value;
      }),
    },
  });
}

/**
 * reusable() for a statement on a merchant's rows whose only scope is the merchant (tenant.merchant,
 * or tenant.where(alias, { locations: false })): built and checked once for a merchant of marks, and
 * each call carries its own tenant's scope and merchant. A statement that also limits rows to a key's
 * stores is refused when built: its SQL depends on the key.
 */
export function reusableForMerchant<A extends unknown[], R>(
  arity: A["length"],
  build: (tenant: Tenant, ...args: A) => Query<R>,
  options: { prepare?: string } = {},
) {
  const stores = ["\u0000reusable-stores\u0000"];
  const statement = reusable(arity + 1, (merchant: string, ...args: A) => {
    const tenant = new Tenant(merchant, stores);
    const built = tenantStatement(tenant, build(tenant, ...args), options);
    if (built.compiled.parameters.includes(stores)) {
      throw new Error("reusableForMerchant(): the statement limits rows to the key's stores");
    }
    return built;
  });
  return (tenant: Tenant, ...args: A): Statement<R> => ({
    ...statement(tenant.merchantId, ...args),
    scope: { tenant },
  });
}

type StatementListener = (statement: Statement<unknown>) => void;
const listeners = new Set<StatementListener>();

/**
 * Hears every statement about to run: run(), first(), execute(), and the cursors and streams that
 * take pgQuery() (the isolation suite's check); returns the way to stop listening.
 */
export function onStatement(listener: StatementListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The pg form of a statement, which is about to run: text and values, under a prepared name when it asks for one. */
export function pgQuery(statement: Statement<unknown>): pg.QueryConfig {
  for (const listener of listeners) listener(statement);
  const { sql: text, parameters } = statement.compiled;
  return statement.prepare
    ? preparedStatement(statement.prepare, text, [...parameters])
    : { text, values: [...parameters] };
}

/**
 * Statements sent back to back in one round trip: `send` starts them on the client it is given (run,
 * first or execute, not awaited in between) and pg's pipeline mode writes each as soon as it starts.
 * Each is still a statement of its own with its own Sync: outside BEGIN its own transaction, committed
 * before the next one runs (which therefore sees its writes), and its failure fails it alone. Answers
 * every statement's outcome. The client is back in ordinary mode before it returns to the pool, and
 * is dropped when `send` throws with statements possibly in flight.
 */
export async function pipelined<const T extends readonly unknown[]>(
  pool: pg.Pool,
  send: (client: pg.PoolClient) => { readonly [K in keyof T]: Promise<T[K]> },
): Promise<{ -readonly [K in keyof T]: PromiseSettledResult<T[K]> }> {
  const client = await pool.connect();
  // A client option in pg's types (readonly), read by the client whenever it sends: it may change
  // while no statement is in flight (here: before the first is sent, after the last has answered).
  const mode = client as unknown as { pipeline: boolean };
  let broken: Error | undefined;
  try {
    mode.pipeline = true;
    // Corked while they start: all the statements leave in one write (one system call, one packet).
    const { stream } = (client as unknown as pg.Client).connection;
    let sent: { readonly [K in keyof T]: Promise<T[K]> };
    stream.cork();
    try {
      sent = send(client);
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      stream.uncork();
    }
    return (await Promise.allSettled(sent)) as { -readonly [K in keyof T]: PromiseSettledResult<T[K]> };
  } finally {
    mode.pipeline = false;
    client.release(broken);
  }
}

/** Runs a statement and returns its rows, typed by the statement. */
export async function run<R>(db: Executor, statement: Statement<R>): Promise<R[]> {
  const result = await db.query(pgQuery(statement));
  return result.rows as R[];
}

/**
 * run() on the pool, with each row also handed to `each` as it arrives, while PostgreSQL still renders
 * the rows after it: a page's records are encoded into its body then (transactions/read.ts), not all
 * after the last one. `each` runs inside pg's socket handler, so what it throws is kept and thrown once
 * the statement has ended (the connection goes back to the pool in order).
 */
export async function runEach<R>(pool: pg.Pool, statement: Statement<R>, each: (row: R, index: number) => void) {
  const query = new pg.Query(pgQuery(statement));
  let index = 0;
  let failure: { error: unknown } | undefined;
  query.on("row", (row: R) => {
    if (failure) return;
    try {
      each(row, index++);
    } catch (error) {
      failure = { error };
    }
  });
  // pg-pool answers a submitted query as any other: its result, once the connection is released.
  const result = (await (pool.query(query) as unknown as Promise<pg.QueryResult>)) as pg.QueryResult;
  if (failure) throw failure.error;
  return result.rows as R[];
}

/** The first row, or undefined. */
export async function first<R>(db: Executor, statement: Statement<R>): Promise<R | undefined> {
  return (await run(db, statement))[0];
}

/** Runs a statement for its effect; returns how many rows it changed. */
export async function execute(db: Executor, statement: Statement<unknown>): Promise<number> {
  const result = await db.query(pgQuery(statement));
  return result.rowCount ?? 0;
}

/**
 * A parameter's value written as an SQL literal, for a statement that takes no parameters (COPY).
 * Only the kinds of value the statements pass: text (quoted by pg's escapeLiteral, which doubles
 * quotes and backslashes), finite numbers, null, and arrays of those (PostgreSQL's array text,
 * quoted whole). The statement's own casts (`$1::uuid`) then apply to the literal as they did to
 * the parameter. A NUL cannot be in a parameter either (request validation refuses it: "nul_character"),
 * and in a statement's text it would end the text early: refused here too.
 */
function literalOf(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new Error("A value with a NUL character cannot be written into SQL text");
    return escapeLiteral(value);
  }
  if (Array.isArray(value)) return literalOf(arrayText(value));
  throw new Error(`No SQL literal for a ${typeof value} parameter`);
}

/** PostgreSQL's text of a one-dimensional array: every element quoted, `"` and `\` escaped with a backslash. */
const arrayText = (values: unknown[]) =>
  `{${values
    .map((value) => {
      if (value === null || value === undefined) return "NULL";
      if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value)))
        throw new Error(`No SQL literal for an array of ${typeof value}`);
      return `"${String(value).replace(/["\\]/g, "\\$&")}"`;
    })
    .join(",")}}`;

/**
 * The statement's text with every parameter ($1, $2, …) replaced by its value as a literal. The text
 * is scanned as PostgreSQL reads it, so a `$1` inside a quoted literal, a quoted name or a comment
 * is left alone; dollar-quoted text, which the statements never use, is refused rather than guessed at.
 */
export function inlineParameters(compiled: Pick<CompiledQuery, "sql" | "parameters">): string {
  const { sql: text, parameters } = compiled;
  let out = "";
  let i = 0;
  const skipTo = (end: number) => {
    out += text.slice(i, end);
    i = end;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      // A quoted literal or name: '' (or "") inside it is the quote itself. E'…' also takes \' .
      const escapes = c === "'" && /[eE]/.test(text[i - 1] ?? "") && !/\w/.test(text[i - 2] ?? "");
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Error("A statement with an unterminated quote");
        if (escapes && text[j] === "\\") j += 2;
        else if (text[j] === c && text[j + 1] === c) j += 2;
        else if (text[j] === c) break;
        else j++;
      }
      skipTo(j + 1);
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      skipTo(end === -1 ? text.length : end);
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) throw new Error("A statement with an unterminated comment");
      skipTo(end + 2);
    } else if (c === "$" && !/[\w$]/.test(text[i - 1] ?? "")) {
      const number = /^\$(\d+)/.exec(text.slice(i, i + 12));
      if (!number) throw new Error("A statement with dollar-quoted text cannot have its parameters written in");
      const at = Number(number[1]) - 1;
      if (at < 0 || at >= parameters.length) throw new Error(`A statement without its parameter $${at + 1}`);
      out += literalOf(parameters[at]);
      i += number[0].length;
    } else {
      skipTo(i + 1);
    }
  }
  return out;
}

/**
 * A statement as `COPY (…) TO STDOUT (FORMAT binary)`: its rows as PostgreSQL's binary COPY stream,
 * each of the given columns as its text (`::text`, so every field is its UTF-8 bytes, and a JSON
 * column's backslashes are not escaped as text COPY would). COPY takes no parameters: they are written
 * in as literals (inlineParameters), and the statement is planned on each run (no prepared statement).
 * Listeners hear it as it runs: the COPY's text, no parameters, the statement's own scope (tenantStatement
 * or reviewedStatement).
 */
export function pgCopy<R>(statement: Statement<R>, columns: readonly (keyof R & string)[]): string {
  const fields = columns.map((column) => `copied.${escapeIdentifier(column)}::text`).join(", ");
  const inner = inlineParameters(statement.compiled);
  const text = `COPY (SELECT ${fields} FROM (${inner}) copied) TO STDOUT (FORMAT binary)`;
  const copy: Statement<unknown> = {
    scope: statement.scope,
    compiled: { ...statement.compiled, sql: text, parameters: [] },
  };
  for (const listener of listeners) listener(copy);
  return text;
}
