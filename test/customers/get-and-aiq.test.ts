import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";

const { app, db } = await createTestApp();

describe("GET /v1/customers/{id}", () => {
  it("when the customer exists, then the same record as in the list; when deleted, then its tombstone", async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const customer = await makeCustomer(db, merchant.id, { birthday: new Date("1990-12-31T00:00:00Z") });
    const one = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", key);
    expect(one.status).toBe(200);
    const listed = await request(app).get("/v1/customers").set("x-apikey", key);
    expect(one.body).toEqual(listed.body.data[0]);
    expect(one.body.birthday).toBe("1990-12-31");

    await db.prisma.customer.update({
      where: { id: customer.id },
      data: { deletedAt: new Date("2026-06-01T12:00:00Z") },
    });
    const gone = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", key);
    expect(gone.status).toBe(200);
    expect(gone.body.deleted_at).toBe("2026-06-01T12:00:00.000000Z");
    const feed = await request(app)
      .get("/v1/customers")
      .set("x-apikey", key)
      .query({ cursor: listed.body.next_cursor });
    expect(feed.body.data).toEqual([gone.body]);
  });
});

describe("GET /v1/customers?format=aiq", () => {
  it(prose`
    when asked for AIQ's shape, then each record is createUpdateMember's body with our id and times beside it
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const full = await makeCustomer(db, merchant.id, {
      posUser: "1239uOiejaiofje",
      posType: "online",
      email: "drake@gmail.com",
      phone: "+13125555555",
      firstName: "Drake",
      lastName: "Ross",
      address1: "4461 Prosper Dr",
      address2: "Apt 2217",
      city: "Dallas",
      state: "TX",
      zip: "76008",
      birthday: new Date("1985-05-16T00:00:00Z"),
      gender: "f",
      loyaltyOptIn: false,
    });
    const sparse = await makeCustomer(db, merchant.id, {
      posUser: "walk-in-7",
      email: null,
      phone: "+447911123456",
      firstName: null,
      lastName: null,
      loyaltyOptIn: true,
    });

    const res = await request(app).get("/v1/customers").set("x-apikey", key).query({ format: "aiq" });
    expect(res.status).toBe(200);
    const native = await request(app).get("/v1/customers").set("x-apikey", key);
    expect(res.body.data).toEqual([
      {
        id: full.id,
        updated_at: native.body.data[0].updated_at,
        member: {
          pos_user: "1239uOiejaiofje",
          pos_type: "online",
          email: "drake@gmail.com",
          first_name: "Drake",
          last_name: "Ross",
          address1: "4461 Prosper Dr",
          address2: "Apt 2217",
          city: "Dallas",
          state: "TX",
          zip: "76008",
          birthday: "05/16/1985",
          phone_number: "3125555555",
          gender: "f",
          loyalty: false,
        },
      },
      {
        id: sparse.id,
        updated_at: native.body.data[1].updated_at,
        // Unknown fields are left out (AIQ: a missing field is left as it is), never null.
        member: { pos_user: "walk-in-7", pos_type: "in-store", phone_number: "+447911123456", loyalty: true },
      },
    ]);
    expect(res.body).toMatchObject({
      has_more: false,
      next_cursor: expect.any(String),
      complete_through: expect.any(String),
    });
  });

  it(prose`
    when one customer is read with format=aiq, then it is the list's AIQ record, with the ETag of the record
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const customer = await makeCustomer(db, merchant.id, { phone: "+13035550142", email: "avery@example.com" });
    const one = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", key).query({ format: "aiq" });
    expect(one.status).toBe(200);
    const listed = await request(app).get("/v1/customers").set("x-apikey", key).query({ format: "aiq" });
    expect(one.body).toEqual(listed.body.data[0]);
    expect(one.body.member).toMatchObject({
      pos_user: customer.posUser,
      phone_number: "3035550142",
      email: "avery@example.com",
    });
    const standard = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", key);
    expect(one.headers.etag).toBe(standard.headers.etag);
  });

  it(prose`
    when a customer is deleted, then AIQ's shape is { id, updated_at, deleted_at } with no member to post
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const customer = await makeCustomer(db, merchant.id, {
      phone: "+13035550142",
      email: "gone@example.com",
      firstName: "Gone",
    });
    await db.prisma.customer.update({
      where: { id: customer.id },
      data: { deletedAt: new Date("2026-06-01T12:00:00Z") },
    });
    const listed = await request(app).get("/v1/customers").set("x-apikey", key).query({ format: "aiq" });
    const standard = await request(app).get("/v1/customers").set("x-apikey", key);
    expect(listed.body.data).toEqual([
      { id: customer.id, updated_at: standard.body.data[0].updated_at, deleted_at: "2026-06-01T12:00:00.000000Z" },
    ]);
    const one = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", key).query({ format: "aiq" });
    expect(one.body).toEqual(listed.body.data[0]);
  });

  it(prose`
    when a deleted customer has sales, then their visits keep pos_user but no longer carry the email and phone
  `, async () => {
    const merchant = await makeMerchant(db);
    const location = await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
    const customer = await makeCustomer(db, merchant.id, { phone: "+13035550142", email: "gone@example.com" });
    const sale = await makeTransaction(db, location, { customerId: customer.id });
    const before = await request(app).get(`/v1/transactions/${sale.id}`).set("x-apikey", key).query({ format: "aiq" });
    expect(before.body).toMatchObject({ pos_user: customer.posUser, email: "gone@example.com", phone: "3035550142" });
    await db.prisma.customer.update({ where: { id: customer.id }, data: { deletedAt: new Date() } });
    const after = await request(app).get(`/v1/transactions/${sale.id}`).set("x-apikey", key).query({ format: "aiq" });
    expect(after.body.pos_user).toBe(customer.posUser);
    expect(after.body).not.toHaveProperty("email");
    expect(after.body).not.toHaveProperty("phone");
  });

  it(prose`
    when AIQ looks a person up by pos_user, then only that customer is served, in either format; an unknown pos_user is
    an empty list
  `, async () => {
    const merchant = await makeMerchant(db);
    const other = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const wanted = await makeCustomer(db, merchant.id, { posUser: "1239uoiejaiofje" });
    await makeCustomer(db, merchant.id, { posUser: "someone-else" });
    await makeCustomer(db, other.id, { posUser: "1239uoiejaiofje-x" });
    const aiq = await request(app)
      .get("/v1/customers")
      .set("x-apikey", key)
      .query({ pos_user: "1239uoiejaiofje", format: "aiq" });
    expect(aiq.status).toBe(200);
    expect(aiq.body.data.map((c: { member: { pos_user: string } }) => c.member.pos_user)).toEqual(["1239uoiejaiofje"]);
    const standard = await request(app)
      .get("/v1/customers")
      .set("x-apikey", key)
      .query({ pos_user: "1239uoiejaiofje" });
    expect(standard.body.data.map((c: { id: string }) => c.id)).toEqual([wanted.id]);
    const another = await request(app)
      .get("/v1/customers")
      .set("x-apikey", key)
      .query({ pos_user: "1239uoiejaiofje-x" });
    expect(another.body.data).toEqual([]);
    const empty = await request(app).get("/v1/customers").set("x-apikey", key).query({ pos_user: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].location).toBe("query.pos_user");
  });
});
