// Every time and date the API takes (src/lib/instant.ts): the formats (RFC 3339, AIQ's
// "YYYY-MM-DD HH:MM:SS +0000", Unix seconds), the range of each kind of value (a 422 naming the
// field outside it), and microseconds kept from the request to PostgreSQL and back.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { filterFingerprint } from "../../src/lib/paging.js";
import { prose } from "../../src/lib/prose.js";
import { call, listen, parseNdjson } from "../export/http.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { as, makeTenant, receiptBody, receiptRow } from "../writes/helpers.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "1000" } });
const base = await listen(app);

const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** The UTC date of an instant, YYYY-MM-DD. */
const day = (ms: number) => iso(ms).slice(0, 10);

/** Sets change times directly (the trigger would use the clock): rows a microsecond apart, deterministically. */
async function setUpdatedAt(table: "transactions" | "customers", times: Record<string, string>) {
  const client = await db.pool.connect();
  try {
    // Only the trigger that would overwrite updated_at is off: the others (the record's JSON fragments,
    // which carry updated_at) must see the change.
    await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_updated_at`);
    for (const [id, at] of Object.entries(times))
      await client.query(`UPDATE ${table} SET updated_at = $2::timestamptz WHERE id = $1`, [id, at]);
    await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_updated_at`);
  } finally {
    client.release();
  }
}

describe("instants in writes: ranges", () => {
  it(prose`
    when transacted_at is before 2000 or more than a day ahead (year 1, 1999-12-31T23:59:59.999999Z,
    9999-12-31T23:59:59-12:00, now + 25 h), then 422 naming body.transacted_at and nothing is stored
  `, async () => {
    const t = await makeTenant(db, { timeZone: "America/Los_Angeles" });
    const refused = [
      "0001-06-15T12:00:00Z",
      "0001-01-01T00:00:00Z",
      "1999-12-31T23:59:59.999999Z",
      "9999-12-31T23:59:59-12:00",
      iso(Date.now() + 25 * HOUR_MS),
    ];
    for (const [i, at] of refused.entries()) {
      const res = await as(app, t.key).put(`/v1/transactions/OLD-${i}`, receiptBody(t, { transacted_at: at }));
      expect(res.status, at).toBe(422);
      expect(res.body.errors, at).toEqual([
        expect.objectContaining({
          location: "body.transacted_at",
          code: "out_of_range",
          message: expect.stringContaining("2000-01-01T00:00:00Z"),
        }),
      ]);
      expect(await receiptRow(db, t.merchant.id, `OLD-${i}`), at).toBeNull();
    }
  });

  it(prose`
    when transacted_at is at the edges of the range (2000-01-01T00:00:00Z, now + 23 h) or at the extreme offsets +14:00
    and -12:00, then it is stored exactly, with the local business date
  `, async () => {
    const t = await makeTenant(db, { timeZone: "America/Los_Angeles", scopes: ["pos:write", "reports:read"] });
    const soon = Date.now() + 23 * HOUR_MS;
    const cases: [string, string, string][] = [
      ["2000-01-01T00:00:00Z", "2000-01-01T00:00:00.000000Z", "1999-12-31"],
      [
        iso(soon),
        iso(soon).replace("Z", "000Z"),
        new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles" }).format(soon),
      ],
      ["2026-03-02T08:00:00+14:00", "2026-03-01T18:00:00.000000Z", "2026-03-01"],
      ["2026-03-01T06:00:00-12:00", "2026-03-01T18:00:00.000000Z", "2026-03-01"],
    ];
    for (const [i, [sent, stored, businessDate]] of cases.entries()) {
      const res = await as(app, t.key).put(`/v1/transactions/EDGE-${i}`, receiptBody(t, { transacted_at: sent }));
      expect(res.status, sent).toBe(201);
      expect(res.body, sent).toMatchObject({ transacted_at: stored, business_date: businessDate });
    }
    // The earliest sale has the earliest business date a report may start on.
    const report = await as(app, t.key).get("/v1/reports/sales?from=1999-12-31&to=2000-01-01");
    expect(report.status).toBe(200);
    expect(report.body.totals).toMatchObject({ receipts: 1 });
  });

  it(prose`
    when a time is no instant (2026-02-30, a leap second, an offset no zone has), then 400 with code invalid_instant,
    saying why
  `, async () => {
    const t = await makeTenant(db);
    const cases: [string, string][] = [
      ["2026-02-30T12:00:00Z", "no day 30"],
      ["2026-06-30T23:59:60Z", "Leap seconds"],
      ["2026-03-01T12:00:00+15:00", "-12:00 to +14:00"],
      ["2026-03-01T24:00:00Z", "no time 24:00"],
    ];
    for (const [at, why] of cases) {
      const res = await as(app, t.key).put("/v1/transactions/BAD", receiptBody(t, { transacted_at: at }));
      expect(res.status, at).toBe(400);
      expect(res.body.errors, at).toEqual([
        expect.objectContaining({
          location: "body.transacted_at",
          code: "invalid_instant",
          message: expect.stringContaining(why),
        }),
      ]);
    }
  });

  it(prose`
    when a batch holds a receipt sold in year 1, then that receipt is a 422 naming its transacted_at and the others are
    written
  `, async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).post("/v1/transactions/batch", {
      receipts: [
        { pos_id: "BY-1", ...receiptBody(t) },
        { pos_id: "BY-2", ...receiptBody(t, { transacted_at: "0001-06-15T12:00:00Z" }) },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({ pos_id: "BY-1", result: "created" });
    expect(res.body.results[1]).toMatchObject({
      pos_id: "BY-2",
      result: "error",
      status: 422,
      code: "unprocessable",
      errors: [expect.objectContaining({ location: "body.receipts.1.transacted_at", code: "out_of_range" })],
    });
  });

  it(prose`
    when voided_at is in year 1 or two days ahead, then 422 naming body.voided_at and the receipt stays completed; at a
    microsecond it is kept exactly
  `, async () => {
    const t = await makeTenant(db);
    expect((await as(app, t.key).put("/v1/transactions/V-1", receiptBody(t))).status).toBe(201);
    for (const at of ["0001-01-01T00:00:00Z", iso(Date.now() + 48 * HOUR_MS)]) {
      const res = await as(app, t.key).post("/v1/transactions/V-1/void", { voided_at: at });
      expect(res.status, at).toBe(422);
      expect(res.body.errors, at).toEqual([
        expect.objectContaining({ location: "body.voided_at", code: "out_of_range" }),
      ]);
    }
    expect((await receiptRow(db, t.merchant.id, "V-1")).status).toBe("completed");
    const voided = await as(app, t.key).post("/v1/transactions/V-1/void", {
      voided_at: "2026-03-02 01:45:00.123456 +0000",
    });
    expect(voided.status).toBe(200);
    expect(voided.body.voided_at).toBe("2026-03-02T01:45:00.123456Z");
  });
});

describe("dates in writes and reports: ranges", () => {
  it(prose`
    when a birthday is before 1900 or after today, then 422 naming body.birthday; 1900-01-01 and AIQ's MM/DD/YYYY are
    taken; 1985-02-30 is a 400
  `, async () => {
    const t = await makeTenant(db);
    const tomorrowEverywhere = day(Date.now() + 38 * HOUR_MS);
    for (const birthday of ["1899-12-31", "0001-01-01", tomorrowEverywhere]) {
      const res = await as(app, t.key).put("/v1/customers/P-1", { first_name: "Avery", birthday });
      expect(res.status, birthday).toBe(422);
      expect(res.body.errors, birthday).toEqual([
        expect.objectContaining({
          location: "body.birthday",
          code: "out_of_range",
          message: expect.stringContaining("1900-01-01"),
        }),
      ]);
    }
    const invalid = await as(app, t.key).put("/v1/customers/P-1", { first_name: "Avery", birthday: "1985-02-30" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ location: "body.birthday", code: "invalid_date" })]);

    expect(
      (await as(app, t.key).put("/v1/customers/P-1", { first_name: "Avery", birthday: "1900-01-01" })).status,
    ).toBe(201);
    const aiq = await as(app, t.key).put("/v1/customers/P-1", { first_name: "Avery", birthday: "05/16/1985" });
    expect(aiq.status).toBe(200);
    expect(aiq.body.birthday).toBe("1985-05-16");
  });

  it(prose`
    when a report starts before the first business date a sale can have (1999-12-31) or after the last, then 422 naming
    query.from; a date that does not exist is a 400
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
    const report = (path: string, from: string, to: string) =>
      request(app).get(path).query({ from, to }).set("x-apikey", key);
    for (const path of ["/v1/reports/sales", "/v1/reports/customers"]) {
      for (const [from, to] of [
        ["1999-12-30", "2000-01-02"],
        ["0001-01-01", "2000-01-02"],
        ["2100-01-01", "2100-02-01"],
      ] as const) {
        const res = await report(path, from, to);
        expect(res.status, `${path} ${from}`).toBe(422);
        expect(res.body.errors, `${path} ${from}`).toEqual([
          expect.objectContaining({ location: "query.from", code: "out_of_range" }),
        ]);
      }
      expect((await report(path, "2026-02-30", "2026-03-05")).status).toBe(400);
      expect((await report(path, "1999-12-31", "2000-02-01")).status).toBe(200);
    }
  });
});

describe("instants in queries: ranges", () => {
  it(prose`
    when a range bound is outside 1970-01-01T00:00:00Z … 9999-12-31T23:59:59.999999Z (UTC), then 422 naming it on the
    list and the export; the edges themselves are served, with valid RFC 3339
  `, async () => {
    const { location, merchant } = await (async () => {
      const merchant = await makeMerchant(db);
      return { merchant, location: await makeLocation(db, merchant.id) };
    })();
    const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
    await makeTransaction(db, location);
    const list = (query: Record<string, string>) =>
      request(app).get("/v1/transactions").query(query).set("x-apikey", key);

    for (const [name, value] of [
      ["updated_from", "0001-01-01T00:00:00Z"],
      ["updated_to", "9999-12-31T23:59:59-12:00"],
      ["transacted_from", "1969-12-31T23:59:59Z"],
      ["transacted_to", "0000-01-01T00:00:00Z"],
    ] as const) {
      const res = await list({ [name]: value });
      expect(res.status, `${name}=${value}`).toBe(422);
      expect(res.body.errors, `${name}=${value}`).toEqual([
        expect.objectContaining({ location: `query.${name}`, code: "out_of_range" }),
      ]);
      const exported = await call(base, "/v1/export/transactions", key, { [name]: value });
      expect(exported.status, `export ${name}=${value}`).toBe(422);
    }

    const widest = await list({ updated_from: "1970-01-01T00:00:00Z", updated_to: "9999-12-31T23:59:59.999999Z" });
    expect(widest.status).toBe(200);
    expect(widest.body.data).toHaveLength(1);
    expect(widest.body.complete_through).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const byBusinessTime = await list({ transacted_from: "0", transacted_to: "9999-12-31T23:59:59.999999Z" });
    expect(byBusinessTime.status).toBe(200);
    expect(byBusinessTime.body.data).toHaveLength(1);
  });

  it(prose`
    when a range is out of range and another parameter is malformed, then 400 listing both (a malformed request stays a
    400)
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
    const res = await request(app)
      .get("/v1/transactions")
      .query({ updated_from: "0001-01-01T00:00:00Z", limt: "5" })
      .set("x-apikey", key);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { location: string; code: string }) => [e.location, e.code]).sort()).toEqual([
      ["query.limt", "unknown_parameter"],
      ["query.updated_from", "out_of_range"],
    ]);
  });
});

describe("microseconds, end to end", () => {
  it(prose`
    when a served updated_at (microseconds) is passed back as updated_from/updated_to, then exactly the rows at or after
    it are served, on the list and on the export
  `, async () => {
    const merchant = await makeMerchant(db);
    const location = await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
    const [a, b, c] = [
      await makeTransaction(db, location),
      await makeTransaction(db, location),
      await makeTransaction(db, location),
    ];
    // Three changes within one millisecond, a microsecond apart.
    await setUpdatedAt("transactions", {
      [a.id]: "2026-11-01T10:00:00.100100Z",
      [b.id]: "2026-11-01T10:00:00.100101Z",
      [c.id]: "2026-11-01T10:00:00.100102Z",
    });
    const list = (query: Record<string, string>) =>
      request(app).get("/v1/transactions").query(query).set("x-apikey", key);
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((r) => r.id);

    const all = await list({});
    const servedB = all.body.data.find((r: { id: string }) => r.id === b.id).updated_at;
    const servedC = all.body.data.find((r: { id: string }) => r.id === c.id).updated_at;
    expect(servedB).toBe("2026-11-01T10:00:00.100101Z");

    expect(ids(await list({ updated_from: servedB }))).toEqual([b.id, c.id]);
    const between = await list({ updated_from: servedB, updated_to: servedC });
    expect(between.status).toBe(200);
    expect(ids(between)).toEqual([b.id]);
    expect(between.body.complete_through).toBe(servedC);

    const exported = await call(base, "/v1/export/transactions", key, { updated_from: servedB, format: "ndjson" });
    expect(exported.status).toBe(200);
    expect(parseNdjson(exported.text).records.map((r) => r.id)).toEqual([b.id, c.id]);
    const exportedBetween = await call(base, "/v1/export/transactions", key, {
      updated_from: servedB,
      updated_to: servedC,
      format: "ndjson",
    });
    expect(parseNdjson(exportedBetween.text).records.map((r) => r.id)).toEqual([b.id]);
  });

  it(prose`
    when a customer's served updated_at is passed back as updated_from, then the customers changed a microsecond earlier
    are not served again
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const [a, b] = [await makeCustomer(db, merchant.id), await makeCustomer(db, merchant.id)];
    await setUpdatedAt("customers", { [a.id]: "2026-11-01T10:00:00.200300Z", [b.id]: "2026-11-01T10:00:00.200301Z" });
    const res = await request(app)
      .get("/v1/customers")
      .query({ updated_from: "2026-11-01T10:00:00.200301Z" })
      .set("x-apikey", key);
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { id: string }) => r.id)).toEqual([b.id]);
  });

  it(prose`
    when transacted_at has microseconds, then they are stored and served; transacted_from with them selects exactly; a
    7th digit rounds up
  `, async () => {
    const t = await makeTenant(db);
    await as(app, t.key).put("/v1/transactions/US-1", receiptBody(t, { transacted_at: "2026-03-02T01:30:00.000001Z" }));
    const second = await as(app, t.key).put(
      "/v1/transactions/US-2",
      receiptBody(t, { transacted_at: "2026-03-02T01:30:00.0000015Z" }),
    );
    expect(second.status).toBe(201);
    expect(second.body.transacted_at).toBe("2026-03-02T01:30:00.000002Z");
    const res = await as(app, t.key).get(
      `/v1/transactions?transacted_from=${encodeURIComponent("2026-03-02T01:30:00.000002Z")}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { pos_id: string }) => r.pos_id)).toEqual(["US-2"]);
  });

  it(prose`
    when a cursor was made with a whole-millisecond bound parsed as a Date (before microseconds), then it is still valid
    for the same bound
  `, () => {
    const auth = { merchantId: "m", keyId: "k", scopes: [], locationIds: null } as never;
    expect(filterFingerprint("transactions", auth, { updated_from: "2026-11-01T10:00:00.123000Z" })).toBe(
      filterFingerprint("transactions", auth, { updated_from: new Date("2026-11-01T10:00:00.123Z") }),
    );
    expect(filterFingerprint("transactions", auth, { updated_from: "2026-11-01T10:00:00.123400Z" })).not.toBe(
      filterFingerprint("transactions", auth, { updated_from: new Date("2026-11-01T10:00:00.123Z") }),
    );
  });
});

describe("AIQ's time format and Unix seconds", () => {
  it(prose`
    when transacted_at is in AIQ's format or Unix seconds (number or string), then it is the same instant as in RFC
    3339: the same body in another format is unchanged
  `, async () => {
    const t = await makeTenant(db);
    const first = await as(app, t.key).put(
      "/v1/transactions/AIQ-1",
      receiptBody(t, { transacted_at: "2026-03-02 01:30:00 +0000" }),
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ transacted_at: "2026-03-02T01:30:00.000000Z", business_date: "2026-03-01" });
    for (const same of ["2026-03-01 18:30:00 -0700", "2026-03-01T18:30:00-07:00", 1772415000, "1772415000"]) {
      const again = await as(app, t.key).put("/v1/transactions/AIQ-1", receiptBody(t, { transacted_at: same }));
      expect(again.status, String(same)).toBe(200);
      expect(again.headers["write-result"], String(same)).toBe("unchanged");
    }
  });

  it("when a time has no offset, then 400 saying an offset is required and listing the accepted formats", async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put(
      "/v1/transactions/AIQ-2",
      receiptBody(t, { transacted_at: "2026-03-01 18:30:00" }),
    );
    expect(res.status).toBe(400);
    const [issue] = res.body.errors;
    expect(issue).toMatchObject({ location: "body.transacted_at", code: "invalid_instant" });
    expect(issue.message).toMatch(/no offset/);
    expect(issue.message).toContain("2026-12-04 04:03:53 +0000");
    expect(issue.message).toContain("Unix seconds");
    const list = await as(app, t.key).get("/v1/transactions?updated_from=yesterday");
    expect(list.status).toBe(400);
    expect(list.body.errors[0].message).toContain("Accepted formats: RFC 3339 with an offset");
    // AIQ's format in a query string with its + unescaped (read as a space): the answer says what happened.
    const plus = await as(app, t.key).get("/v1/transactions?updated_from=2026-12-04%2004:03:53%20+0000");
    expect(plus.status).toBe(400);
    expect(plus.body.errors[0].message).toContain("%2B");
  });

  it("when a query bound is in AIQ's format or Unix seconds, then it selects like its RFC 3339 form", async () => {
    const t = await makeTenant(db);
    await as(app, t.key).put("/v1/transactions/Q-1", receiptBody(t, { transacted_at: "2026-03-02T01:30:00Z" }));
    await as(app, t.key).put("/v1/transactions/Q-2", receiptBody(t, { transacted_at: "2026-03-02T02:30:00Z" }));
    for (const from of ["2026-03-02 02:00:00 +0000", "2026-03-01 19:00:00 -0700", "1772416800"]) {
      const res = await as(app, t.key).get(`/v1/transactions?transacted_from=${encodeURIComponent(from)}`);
      expect(res.status, from).toBe(200);
      expect(
        res.body.data.map((r: { pos_id: string }) => r.pos_id),
        from,
      ).toEqual(["Q-2"]);
    }
  });

  it(prose`
    when the API document is read, then every instant parameter and field says the formats and the range
  `, async () => {
    const doc = (await request(app).get("/openapi.json")).body;
    const parameter = doc.paths["/v1/transactions"].get.parameters.find(
      (p: { name: string }) => p.name === "updated_from",
    );
    expect(parameter.description).toContain("AIQ's own (2026-12-04 04:03:53 +0000)");
    expect(parameter.description).toContain("1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z");
    expect(JSON.stringify(doc)).toContain("2000-01-01T00:00:00Z up to 1 day after the current time");
  });
});
