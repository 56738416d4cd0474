import request from "supertest";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeMerchant } from "../helpers/factories.js";

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

    await db.prisma.customer.update({ where: { id: customer.id }, data: { deletedAt: new Date("2026-06-01T12:00:00Z") } });
    const gone = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", key);
    expect(gone.status).toBe(200);
    expect(gone.body.deleted_at).toBe("2026-06-01T12:00:00.000000Z");
    const feed = await request(app).get("/v1/customers").set("x-apikey", key).query({ cursor: listed.body.next_cursor });
    expect(feed.body.data).toEqual([gone.body]);
  });
});

describe("GET /v1/customers?format=aiq", () => {
  it("when asked for AIQ's shape, then each record is createUpdateMember's body with our id and times beside it", async () => {
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
        deleted_at: null,
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
        deleted_at: null,
        // Unknown fields are left out (AIQ: a missing field is left as it is), never null.
        member: { pos_user: "walk-in-7", pos_type: "in-store", phone_number: "+447911123456", loyalty: true },
      },
    ]);
    expect(res.body).toMatchObject({ has_more: false, next_cursor: expect.any(String), complete_through: expect.any(String) });
  });
});
