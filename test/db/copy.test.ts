// A statement as COPY (src/db/sql.ts's inlineParameters and pgCopy, src/db/copy-out.ts) and the binary
// COPY format read in place (src/db/binary-copy.ts), against a real PostgreSQL: every value written into
// the text comes back exactly what it was as a parameter, whatever characters it holds.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { readBinaryCopy } from "../../src/db/binary-copy.js";
import { copyOut } from "../../src/db/copy-out.js";
import { inlineParameters, pgCopy, reviewedStatement, run } from "../../src/db/sql.js";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";

const db = await createTestDb();

const AWKWARD = [
  "O'Neil",
  "''",
  "back\\slash",
  "\\'; DROP TABLE transactions; --",
  "'; SELECT pg_sleep(10); --",
  "E'\\''",
  "$1 and $2",
  "$$dollar$$",
  "-- not a comment",
  "/* not a comment */",
  'a "quoted" name',
  "line\nbreak\r\ttab",
  "ünïcødé ✓ 🌿 \u2028",
  "",
];

/** The statement's rows run with parameters, and run again with them written in as literals. */
async function bothWays<R>(statement: ReturnType<typeof reviewedStatement<R>>) {
  const withParameters = await run(db.pool, statement);
  const { rows: written } = await db.pool.query(inlineParameters(statement.compiled));
  return { withParameters, written };
}

describe("a statement run as COPY", () => {
  it(prose`
    when parameters holding quotes, backslashes, dollar signs, comment marks, line breaks and any Unicode are written in
    as literals, then PostgreSQL reads back exactly what the parameters held, with their casts
  `, async () => {
    for (const value of AWKWARD) {
      const statement = reviewedStatement(
        "no-tenant-table",
        sql<{ text: string; length: number; same: boolean }>`SELECT ${value}::text AS text,
          length(${value}) AS length, ${value} = ${value} AS same`,
      );
      const { withParameters, written } = await bothWays(statement);
      expect(written, value).toEqual(withParameters);
      expect(written[0].text).toBe(value);
    }
    // Numbers, null and arrays (a key's stores: uuid[]), with awkward texts as elements too.
    const statement = reviewedStatement(
      "no-tenant-table",
      sql<{ n: number; none: string | null; texts: string[]; ids: string[] }>`SELECT ${501}::int AS n,
        ${null}::text AS none, ${AWKWARD}::text[] AS texts,
        ${["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]}::uuid[] AS ids`,
    );
    const { withParameters, written } = await bothWays(statement);
    expect(written).toEqual(withParameters);
    expect(written[0].texts).toEqual(AWKWARD);
  });

  it(prose`
    when the statement's own text has $1 inside a quoted literal, an E'' literal, a quoted name or a comment, then
    only the real parameters are replaced
  `, async () => {
    const text = inlineParameters({
      sql: `SELECT '$1' AS "a$1", E'\\'$1' AS b, $1::text AS c /* $1 */ -- $1\n, $2::int AS d`,
      parameters: ["x'y", 7],
    });
    expect(text).toBe(`SELECT '$1' AS "a$1", E'\\'$1' AS b, 'x''y'::text AS c /* $1 */ -- $1\n, 7::int AS d`);
    const { rows } = await db.pool.query(text);
    expect(rows).toEqual([{ a$1: "$1", b: "'$1", c: "x'y", d: 7 }]);
  });

  it(prose`
    when a value holds a NUL, or the text is dollar-quoted or names a parameter it was not given, then it is refused
    rather than written in
  `, () => {
    expect(() => inlineParameters({ sql: "SELECT $1::text", parameters: ["a\u0000b"] })).toThrow(/NUL/);
    expect(() => inlineParameters({ sql: "SELECT $1::text[]", parameters: [["a\u0000b"]] })).toThrow(/NUL/);
    expect(() => inlineParameters({ sql: "SELECT $$x$$ || $1", parameters: ["a"] })).toThrow(/dollar-quoted/);
    expect(() => inlineParameters({ sql: "SELECT $2::text", parameters: ["a"] })).toThrow(/\$2/);
    expect(() => inlineParameters({ sql: "SELECT $1::text", parameters: [{ a: 1 }] })).toThrow(/literal/);
    expect(() => inlineParameters({ sql: "SELECT 'open", parameters: [] })).toThrow(/unterminated/);
  });

  it(prose`
    when a statement runs as binary COPY, then each row's fields are found in place, byte for byte the texts (NULL
    told apart from empty), and the COPY's row count is answered
  `, async () => {
    const values = [...AWKWARD, null];
    const statement = reviewedStatement(
      "no-tenant-table",
      sql<{ n: number; value: string | null }>`SELECT n, v AS value
        FROM unnest(${values}::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n`,
    );
    const client = await db.pool.connect();
    const pieces: Buffer[] = [];
    let rows: number;
    try {
      // Each piece is a view valid only during the call: copied out.
      rows = await copyOut(client, pgCopy(statement, ["n", "value"]), (bytes) => pieces.push(Buffer.from(bytes)));
    } finally {
      client.release();
    }
    const data = Buffer.concat(pieces);
    const got: [string, string | null][] = [];
    const counted = readBinaryCopy(data, 2, (at) =>
      got.push([data.toString("utf8", at[0], at[1]), at[2] === -1 ? null : data.toString("utf8", at[2], at[3])]),
    );
    expect(rows).toBe(values.length);
    expect(counted).toBe(values.length);
    expect(got).toEqual(values.map((value, i) => [String(i + 1), value]));
  });

  it(prose`
    when a COPY fails in PostgreSQL, then copyOut rejects with its error and the connection serves the next
  `, async () => {
    const client = await db.pool.connect();
    try {
      const failing = reviewedStatement(
        "no-tenant-table",
        sql<{ x: number }>`SELECT 1 / (n - 3) AS x
        FROM generate_series(1, 100000) n`,
      );
      await expect(copyOut(client, pgCopy(failing, ["x"]), () => {})).rejects.toMatchObject({ code: "22012" });
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });

  it("when the bytes are not a whole binary COPY stream, then reading them throws", () => {
    expect(() => readBinaryCopy(Buffer.from("not copy"), 1, () => {})).toThrow(/Not a binary COPY/);
    const header = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
    const row = Buffer.from([0, 1, 0, 0, 0, 3, 0x61, 0x62]); // one field of 3 bytes, only 2 present
    expect(() => readBinaryCopy(Buffer.concat([header, row]), 1, () => {})).toThrow(/cut short/);
    const whole = Buffer.concat([header, Buffer.from([0, 1, 0, 0, 0, 1, 0x61, 0xff, 0xff])]);
    expect(() => readBinaryCopy(whole, 2, () => {})).toThrow(/1 fields, not 2/);
    const rows: string[] = [];
    expect(readBinaryCopy(whole, 1, (at) => rows.push(whole.toString("utf8", at[0], at[1])))).toBe(1);
    expect(rows).toEqual(["a"]);
  });
});
