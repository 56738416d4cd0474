import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeMerchant } from "../helpers/factories.js";
import { as, auditOf, feedTip, makeTenant, pollFrom } from "./helpers.js";

const { app, db } = await createTestApp();

const customerRow = async (id: string) =>
  (
    await db.pool.query(
      "SELECT *, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS updated_text FROM " +
        "customers WHERE id = $1",
      [id],
    )
  ).rows[0];

describe("PUT /v1/customers/{pos_user}", () => {
  it(prose`
    when a customer is written for the first time, then 201 with the record, its ETag, normalised contact and an audit
    entry without personal data
  `, async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put("/v1/customers/pos-1", {
      first_name: "Avery",
      last_name: "Doe",
      email: "  Avery.Doe@Example.COM ",
      phone: "(303) 555-0142",
      birthday: "1985-05-16",
      pos_type: "online",
    });
    expect(res.status).toBe(201);
    expect(res.headers["write-result"]).toBe("created");
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.headers.location).toBe(`/v1/customers/${res.body.id}`);
    expect(res.body).toMatchObject({
      pos_user: "pos-1",
      pos_type: "online",
      email: "avery.doe@example.com",
      phone: "+13035550142",
      birthday: "1985-05-16",
      address1: null,
      loyalty_opt_in: false,
      loyalty_changed_at: null,
    });
    const audit = await auditOf(db, t.merchant.id);
    expect(audit).toEqual([
      expect.objectContaining({ action: "create", entity: "customer", entity_id: res.body.id, api_key_id: t.keyId }),
    ]);
    const detail = JSON.stringify(audit[0]!.detail);
    for (const secret of ["Avery", "Doe", "example.com", "5550142", "1985"]) expect(detail).not.toContain(secret);
  });

  it("when the same body is written twice, then the second changes nothing, not even the change time", async () => {
    const t = await makeTenant(db);
    const body = { first_name: "Sam", phone: "303-555-0100", loyalty_opt_in: true };
    const first = await as(app, t.key).put("/v1/customers/pos-2", body);
    const second = await as(app, t.key).put("/v1/customers/pos-2", { ...body, phone: "+1 303 555 0100" });
    expect(second.status).toBe(200);
    expect(second.headers["write-result"]).toBe("unchanged");
    expect(second.body.updated_at).toBe(first.body.updated_at);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(await auditOf(db, t.merchant.id)).toHaveLength(1);
  });

  it(prose`
    when a different body is written, then it replaces the POS's fields (omitted ones become null) and the change time
    moves
  `, async () => {
    const t = await makeTenant(db);
    const first = await as(app, t.key).put("/v1/customers/pos-3", { first_name: "Sam", city: "Denver", zip: "80202" });
    const second = await as(app, t.key).put("/v1/customers/pos-3", { first_name: "Samuel", city: "Boulder" });
    expect(second.status).toBe(200);
    expect(second.headers["write-result"]).toBe("updated");
    expect(second.body).toMatchObject({ id: first.body.id, first_name: "Samuel", city: "Boulder", zip: null });
    expect(second.body.updated_at > first.body.updated_at).toBe(true);
    expect(second.headers.etag).not.toBe(first.headers.etag);
  });

  it(prose`
    when a customer opted out and the POS writes them without loyalty_opt_in, then they stay opted out; only an explicit
    true opts them in
  `, async () => {
    const t = await makeTenant(db);
    const optedOutAt = new Date("2026-01-02T03:04:05Z");
    const c = await makeCustomer(db, t.merchant.id, {
      posUser: "pos-4",
      loyaltyOptIn: false,
      loyaltyChangedAt: optedOutAt,
    });
    const kept = await as(app, t.key).put("/v1/customers/pos-4", { first_name: "Kim" });
    expect(kept.body).toMatchObject({
      id: c.id,
      loyalty_opt_in: false,
      loyalty_changed_at: "2026-01-02T03:04:05.000000Z",
    });
    const optedIn = await as(app, t.key).put("/v1/customers/pos-4", { first_name: "Kim", loyalty_opt_in: true });
    expect(optedIn.body.loyalty_opt_in).toBe(true);
    expect(Date.parse(optedIn.body.loyalty_changed_at)).toBeGreaterThan(optedOutAt.getTime());
  });

  it("when the phone or email is invalid, then 422 naming each, and nothing is stored", async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put("/v1/customers/pos-5", { phone: "555-01", email: "nope@", first_name: "X" });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { location: string }) => e.location).sort()).toEqual(["body.email", "body.phone"]);
    expect((await db.pool.query("SELECT 1 FROM customers WHERE merchant_id = $1", [t.merchant.id])).rowCount).toBe(0);
  });

  it("when the body has wrong types and unknown fields, then 400 listing every issue", async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put("/v1/customers/pos-6", {
      first_name: 12,
      birthday: "16/05/1985",
      pos_type: "kiosk",
      nickname: "x",
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { location: string }) => e.location).sort()).toEqual([
      "body.birthday",
      "body.first_name",
      "body.nickname",
      "body.pos_type",
    ]);
  });

  it(prose`
    when a customer is written, then a caught-up poller of the customer feed receives it; an identical re-write is not
    served again
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const tip = await feedTip(client, "/v1/customers");
    const created = await client.put("/v1/customers/pos-feed", { first_name: "Robin", email: "robin@example.com" });
    const seen = await pollFrom(client, "/v1/customers", tip);
    expect(seen.map((r) => [r.id, r.pos_user, r.email])).toEqual([[created.body.id, "pos-feed", "robin@example.com"]]);
    const caughtUp = await feedTip(client, "/v1/customers");
    await client.put("/v1/customers/pos-feed", { first_name: "Robin", email: "robin@example.com" });
    expect(await pollFrom(client, "/v1/customers", caughtUp)).toEqual([]);
  });

  it("when the key lacks pos:write, then 403", async () => {
    const t = await makeTenant(db, { scopes: ["contacts:write", "customers:read"] });
    const res = await as(app, t.key).put("/v1/customers/pos-7", { first_name: "X" });
    expect(res.status).toBe(403);
  });
});

describe("PATCH /v1/customers/{id}", () => {
  it("when some fields are sent, then only those change; phone becomes E.164 and email lower case", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, {
      firstName: "Avery",
      lastName: "Doe",
      city: "Denver",
      zip: "80202",
    });
    const res = await as(app, t.key).patch(`/v1/customers/${c.id}`, {
      email: "NEW@Example.com",
      phone: "720.555.0199",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      first_name: "Avery",
      last_name: c.lastName,
      city: "Denver",
      zip: "80202",
      email: "new@example.com",
      phone: "+17205550199",
    });
    expect(res.headers.etag).toMatch(/^"/);
    const audit = await auditOf(db, t.merchant.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: "patch",
        entity: "customer",
        entity_id: c.id,
        detail: { via: "PATCH /v1/customers/{id}", fields: ["email", "phone"] },
      }),
    ]);
  });

  it("when a field is sent as null, then it is cleared", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, { city: "Denver" });
    const res = await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: null });
    expect(res.body.city).toBeNull();
    expect(res.body.email).toBe(c.email);
  });

  it("when the phone is invalid, then 422 naming body.phone, and nothing changes", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const before = await customerRow(c.id);
    const res = await as(app, t.key).patch(`/v1/customers/${c.id}`, { phone: "12345", city: "Aurora" });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ location: "body.phone", code: "invalid_phone" })]);
    expect(await customerRow(c.id)).toEqual(before);
  });

  it("when the email is invalid, then 422 naming body.email", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const res = await as(app, t.key).patch(`/v1/customers/${c.id}`, { email: "a@b" });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ location: "body.email" })]);
  });

  it(prose`
    when If-Match is stale, then 412 with the current ETag; when it is current, then the update applies
  `, async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const read = await as(app, t.key).get(`/v1/customers/${c.id}`);
    const first = await as(app, t.key)
      .patch(`/v1/customers/${c.id}`, { city: "Aurora" })
      .set("If-Match", read.headers.etag!);
    expect(first.status).toBe(200);
    const etag = first.headers.etag!;
    expect((await as(app, t.key).get(`/v1/customers/${c.id}`)).headers.etag).toBe(etag);

    const stale = await as(app, t.key)
      .patch(`/v1/customers/${c.id}`, { city: "Boulder" })
      .set("If-Match", read.headers.etag!);
    expect(stale.status).toBe(412);
    expect(stale.headers.etag).toBe(etag);
    expect((await customerRow(c.id)).city).toBe("Aurora");

    const fresh = await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "Boulder" }).set("If-Match", etag);
    expect(fresh.status).toBe(200);
    expect(fresh.body.city).toBe("Boulder");
    expect(fresh.headers.etag).not.toBe(etag);

    const any = await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "Golden" }).set("If-Match", "*");
    expect(any.status).toBe(200);
  });

  it(prose`
    when a customer opted out, then a PATCH without loyalty_opt_in leaves them out; an explicit true opts them in
  `, async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, {
      loyaltyOptIn: false,
      loyaltyChangedAt: new Date("2026-01-01T00:00:00Z"),
    });
    const kept = await as(app, t.key).patch(`/v1/customers/${c.id}`, { first_name: "Jo", email: "jo@example.com" });
    expect(kept.body).toMatchObject({ loyalty_opt_in: false, loyalty_changed_at: "2026-01-01T00:00:00.000000Z" });
    const optedIn = await as(app, t.key).patch(`/v1/customers/${c.id}`, { loyalty_opt_in: true });
    expect(optedIn.body.loyalty_opt_in).toBe(true);
    expect(optedIn.body.loyalty_changed_at > "2026-01-01T00:00:00.000000Z").toBe(true);
  });

  it("when the customer belongs to another merchant or does not exist, then 404 and nothing changes", async () => {
    const t = await makeTenant(db);
    const other = await makeMerchant(db);
    const theirs = await makeCustomer(db, other.id, { city: "Denver" });
    expect((await as(app, t.key).patch(`/v1/customers/${theirs.id}`, { city: "X" })).status).toBe(404);
    expect(
      (await as(app, t.key).patch("/v1/customers/00000000-0000-7000-8000-000000000000", { city: "X" })).status,
    ).toBe(404);
    expect((await customerRow(theirs.id)).city).toBe("Denver");
  });

  it("when the body is empty or names an unknown field, then 400", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    expect((await as(app, t.key).patch(`/v1/customers/${c.id}`, {})).status).toBe(400);
    const unknown = await as(app, t.key).patch(`/v1/customers/${c.id}`, { mobile_phone: "3035550100" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].location).toBe("body.mobile_phone");
  });

  it("when the key lacks contacts:write, then 403", async () => {
    const other = await makeMerchant(db);
    const { key } = await makeKey(db, other.id, { scopes: ["pos:write", "customers:read"] });
    const c = await makeCustomer(db, other.id);
    expect((await as(app, key).patch(`/v1/customers/${c.id}`, { city: "X" })).status).toBe(403);
  });

  it("when a customer was deleted, then 409", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, { deletedAt: new Date() });
    expect((await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "X" })).status).toBe(409);
  });

  it("when a PATCH is written, then a poller of the customer feed receives the change once", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const client = as(app, t.key);
    const tip = await feedTip(client, "/v1/customers");
    await client.patch(`/v1/customers/${c.id}`, { zip: "80301" });
    const seen = await pollFrom(client, "/v1/customers", tip);
    expect(seen.map((r) => [r.id, r.zip])).toEqual([[c.id, "80301"]]);
  });
});

describe("PATCH /v1/customers/{id} — AIQ's override names", () => {
  it(prose`
    when AIQ posts the guide's override body (email, mobilephone), then both change, the phone as E.164, the audit names
    our fields
  `, async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, { city: "Denver" });
    const read = await as(app, t.key).get(`/v1/customers/${c.id}`);
    const res = await as(app, t.key)
      .patch(`/v1/customers/${c.id}`, { email: "First.Last@AlpineIQ.com", mobilephone: "3125555555" })
      .set("If-Match", read.headers.etag!)
      .set("Idempotency-Key", "aiq-1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: "first.last@alpineiq.com", phone: "+13125555555", city: "Denver" });
    const retry = await as(app, t.key)
      .patch(`/v1/customers/${c.id}`, { email: "First.Last@AlpineIQ.com", mobilephone: "3125555555" })
      .set("If-Match", read.headers.etag!)
      .set("Idempotency-Key", "aiq-1");
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    const stale = await as(app, t.key)
      .patch(`/v1/customers/${c.id}`, { mobilephone: "3125555556" })
      .set("If-Match", read.headers.etag!);
    expect(stale.status).toBe(412);
    const audit = await auditOf(db, t.merchant.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: "patch",
        detail: { via: "PATCH /v1/customers/{id}", fields: ["email", "phone"] },
      }),
    ]);
  });

  it(prose`
    when AIQ sends its member names (phone_number, loyalty), then they stand for phone and loyalty_opt_in, with the same
    consent rule
  `, async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, {
      loyaltyOptIn: false,
      loyaltyChangedAt: new Date("2026-01-01T00:00:00Z"),
    });
    const kept = await as(app, t.key).patch(`/v1/customers/${c.id}`, { phone_number: "(720) 555-0123" });
    expect(kept.body).toMatchObject({
      phone: "+17205550123",
      loyalty_opt_in: false,
      loyalty_changed_at: "2026-01-01T00:00:00.000000Z",
    });
    const optedIn = await as(app, t.key).patch(`/v1/customers/${c.id}`, { loyalty: true });
    expect(optedIn.body.loyalty_opt_in).toBe(true);
    expect(optedIn.body.loyalty_changed_at > "2026-01-01T00:00:00.000000Z").toBe(true);
  });

  it("when a field comes under two names, then 400 naming the second; nothing changes", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const before = await customerRow(c.id);
    const res = await as(app, t.key).patch(`/v1/customers/${c.id}`, {
      phone: "3035550100",
      mobilephone: "3035550101",
      loyalty_opt_in: true,
      loyalty: false,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { location: string }) => e.location)).toEqual(["body.mobilephone", "body.loyalty"]);
    expect(await customerRow(c.id)).toEqual(before);
  });

  it(prose`
    when a phone or email is empty, or mobilephone invalid, then 422 naming each as sent (send null to clear); nothing
    changes
  `, async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, { phone: "+13035550142", email: "kept@example.com" });
    const before = await customerRow(c.id);
    const empty = await as(app, t.key).patch(`/v1/customers/${c.id}`, { phone: "", email: " " });
    expect(empty.status).toBe(422);
    expect(empty.body.errors).toEqual([
      expect.objectContaining({ location: "body.phone", code: "invalid_phone" }),
      expect.objectContaining({ location: "body.email", code: "invalid_email" }),
    ]);
    const aiqEmpty = await as(app, t.key).patch(`/v1/customers/${c.id}`, { mobilephone: "" });
    expect(aiqEmpty.body.errors).toEqual([
      expect.objectContaining({ location: "body.mobilephone", code: "invalid_phone" }),
    ]);
    const invalid = await as(app, t.key).patch(`/v1/customers/${c.id}`, { mobilephone: "12345" });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([
      expect.objectContaining({ location: "body.mobilephone", code: "invalid_phone" }),
    ]);
    expect(await customerRow(c.id)).toEqual(before);
    const cleared = await as(app, t.key).patch(`/v1/customers/${c.id}`, { mobilephone: null });
    expect(cleared.body.phone).toBeNull();
  });
});

describe("PATCH /v1/customers/{id} — Idempotency-Key", () => {
  it(prose`
    when a request is retried with the same key, then the first answer comes back and nothing more changes
  `, async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const first = await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "Aurora" }).set("Idempotency-Key", "k-1");
    // Someone else changes the customer in between: the retry must not overwrite it.
    await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "Boulder" });
    const retry = await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "Aurora" }).set("Idempotency-Key", "k-1");
    expect(retry.status).toBe(200);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect((await customerRow(c.id)).city).toBe("Boulder");
    expect((await auditOf(db, t.merchant.id)).filter((a) => a.action === "patch")).toHaveLength(2);
  });

  it("when the same key comes with a different body, then 422", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "Aurora" }).set("Idempotency-Key", "k-2");
    const res = await as(app, t.key).patch(`/v1/customers/${c.id}`, { city: "Golden" }).set("Idempotency-Key", "k-2");
    expect(res.status).toBe(422);
    expect(res.body.errors[0].location).toBe("header.idempotency-key");
    expect((await customerRow(c.id)).city).toBe("Aurora");
  });

  it("when the first request failed, then a retry with the same key runs again", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const failed = await as(app, t.key)
      .patch(`/v1/customers/${c.id}`, { city: "Aurora" })
      .set("Idempotency-Key", "k-3")
      .set("If-Match", '"nope"');
    expect(failed.status).toBe(412);
    const retry = await as(app, t.key)
      .patch(`/v1/customers/${c.id}`, { city: "Aurora" })
      .set("Idempotency-Key", "k-3")
      .set("If-Match", '"nope"');
    expect(retry.status).toBe(412);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
  });
});

describe("PATCH /v1/customers/{id} — concurrency", () => {
  const fields = ["first_name", "last_name", "address1", "address2", "city", "state", "zip", "gender"] as const;

  it("when PATCHes of different fields run at once, then every field each of them set survives", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        as(app, t.key).patch(`/v1/customers/${c.id}`, { [fields[i % fields.length]!]: `v${i % fields.length}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const row = await customerRow(c.id);
    for (const [i, field] of fields.entries()) expect(row[field]).toBe(`v${i}`);
  });

  it("when PATCHes with the same If-Match run at once, then exactly one applies and the others get 412", async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id);
    const etag = (await as(app, t.key).get(`/v1/customers/${c.id}`)).headers.etag!;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        as(app, t.key)
          .patch(`/v1/customers/${c.id}`, { city: `City ${i}` })
          .set("If-Match", etag),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const winner = answers.find((a) => a.status === 200)!;
    expect((await customerRow(c.id)).city).toBe(winner.body.city);
  });
});
