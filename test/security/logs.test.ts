// Logs never contain a key, a phone, an email, a name, an address or a birthday: every request
// below carries them (query, body, headers, path), over every route of the service and over routes
// that fail in the ways real code fails (our errors, PostgreSQL errors quoting values, Prisma
// errors printing their arguments, errors with causes, objects logged by hand), and everything the
// process writes — the pino stream, the console, stdout and stderr — is searched for them.
import { Writable } from "node:stream";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { revokeKey } from "../../src/keys/manage.js";
import { AppError } from "../../src/lib/errors.js";
import { prose } from "../../src/lib/prose.js";
import { defineRoute, type RouteDef } from "../../src/lib/route.js";
import { routes } from "../../src/routes.js";
import { createTestDb } from "../helpers/db.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { appOver } from "./apps.js";

const db = await createTestDb();

const PII = {
  email: "jeanette.quackenbush@example.com",
  phone: "+13035550199",
  phoneAsTyped: "(303) 555-0199",
  firstName: "Jeanette",
  lastName: "Quackenbush",
  address1: "742 Evergreen Terrace",
  address2: "Apartment 31Z",
  birthday: "1987-06-05",
};

const customerBody = {
  email: PII.email,
  phone: PII.phoneAsTyped,
  first_name: PII.firstName,
  last_name: PII.lastName,
  address1: PII.address1,
  address2: PII.address2,
  birthday: PII.birthday,
};

const failingRoute = (path: string, handler: RouteDef["handler"]): RouteDef =>
  defineRoute({
    method: "post",
    path,
    operationId: path,
    summary: path,
    tags: ["Test"],
    scope: "pos:write",
    query: z.strictObject({}),
    responses: { 200: { description: "ok" } },
    handler,
  });

const failingRoutes = [
  failingRoute("/v1/test/throws", () => {
    throw new Error(`could not save ${PII.firstName} ${PII.lastName} <${PII.email}> ${PII.phone}`);
  }),
  failingRoute("/v1/test/pg-cast", async ({ db }) => {
    await db.pool.query("SELECT $1::date", [`${PII.lastName} ${PII.address1}`]);
  }),
  failingRoute("/v1/test/pg-unique", async ({ db }) => {
    // "Key (slug)=(…) already exists"
    await db.pool.query(
      "INSERT INTO merchants (id, slug, name) VALUES (gen_random_uuid(), $1, 'x'), (gen_random_uuid(), $1, 'y')",
      [PII.email],
    );
  }),
  failingRoute("/v1/test/pg-not-null", async ({ db }) => {
    // "Failing row contains (…)"
    await db.pool.query("INSERT INTO merchants (slug, name) VALUES ($1, $2)", [
      PII.email,
      `${PII.firstName} ${PII.lastName}`,
    ]);
  }),
  failingRoute("/v1/test/prisma-validation", async ({ db, auth }) => {
    await db.prisma.customer.create({
      data: {
        merchantId: auth.merchantId,
        posUser: PII.email,
        email: PII.email,
        phone: PII.phone,
        firstName: PII.firstName,
        birthday: PII.birthday as never,
      },
    });
  }),
  failingRoute("/v1/test/cause", () => {
    throw new Error("write failed", { cause: new Error(`row for ${PII.email} (${PII.birthday}) rejected`) });
  }),
  failingRoute("/v1/test/unprocessable", () => {
    throw new AppError("unprocessable", `The phone '${PII.phoneAsTyped}' of ${PII.firstName} is not valid.`);
  }),
  failingRoute("/v1/test/logs-by-hand", ({ req }) => {
    req.log.info(
      { customer: { ...customerBody, phone: PII.phone }, email: PII.email, key: "whatever" },
      "saving a customer",
    );
    return { ok: true };
  }),
];

const captured: string[] = [];
const logTo = new Writable({
  write(chunk, _encoding, callback) {
    captured.push(String(chunk));
    callback();
  },
});
const app = appOver(db, { logTo, extraRoutes: failingRoutes, env: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "1000" } });

// Whatever else the process prints (console, stdout, stderr) while the requests run.
beforeAll(() => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation(
      (...args: unknown[]) => void captured.push(args.map(String).join(" ")),
    );
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
});
afterAll(() => vi.restoreAllMocks());

const concrete = (path: string, value: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => (name === "id" ? value : PII.email));

describe("logs and personal data", () => {
  it(prose`
    when requests carrying keys and a customer's personal data succeed and fail on every route, then no log line
    contains any of it
  `, async () => {
    const merchant = await makeMerchant(db);
    const location = await makeLocation(db, merchant.id);
    const customer = await makeCustomer(db, merchant.id, {
      posUser: "pii-person",
      email: PII.email,
      phone: PII.phone,
      firstName: PII.firstName,
      lastName: PII.lastName,
      address1: PII.address1,
      birthday: new Date(`${PII.birthday}T00:00:00Z`),
    });
    await makeTransaction(db, location, { customerId: customer.id });
    const { key } = await makeKey(db, merchant.id);
    const { key: revoked } = await makeKey(db, merchant.id);
    await revokeKey(db, revoked.split("_").slice(0, 3).join("_"));
    const secrets = [key, revoked, key.split("_")[3]!, revoked.split("_")[3]!];

    const statuses = new Set<number>();
    let requests = 0;
    const send = async (
      route: RouteDef,
      variant: { apiKey?: string; bearer?: string; id: string; body: unknown; query: Record<string, string> },
    ) => {
      let call = request(app)
        [route.method](concrete(route.path, variant.id))
        .query(variant.query)
        .set("x-customer-name", `${PII.firstName} ${PII.lastName}`)
        .set("user-agent", `pos-terminal (${PII.email})`)
        .set("x-forwarded-for", PII.address1);
      if (variant.apiKey) call = call.set("x-apikey", variant.apiKey);
      if (variant.bearer) call = call.set("authorization", `Bearer ${variant.bearer}`);
      const res = ["post", "put", "patch"].includes(route.method)
        ? await call.send(variant.body as object)
        : await call;
      statuses.add(res.status);
      requests++;
    };

    const piiQuery = { phone: PII.phoneAsTyped, email: PII.email, first_name: PII.firstName, birthday: PII.birthday };
    for (const route of [...routes, ...failingRoutes]) {
      // A good key, personal data everywhere (unknown query parameters: 400; lookups: 200).
      await send(route, { apiKey: key, id: customer.id, body: customerBody, query: piiQuery });
      // The same as a Bearer token, with only the lookups a route may accept.
      await send(route, { bearer: key, id: customer.id, body: customerBody, query: { email: PII.email } });
      // Invalid values (422 on writes), an id that exists nowhere (404).
      await send(route, {
        apiKey: key,
        id: "00000000-0000-4000-8000-000000000000",
        body: { ...customerBody, phone: `${PII.lastName} 0199`, email: `${PII.firstName}@` },
        query: {},
      });
      // A revoked key and a "key" that is someone's email (401).
      await send(route, { apiKey: revoked, id: customer.id, body: customerBody, query: piiQuery });
      await send(route, { apiKey: PII.email, id: customer.id, body: customerBody, query: {} });
    }
    // A path of no route, made of personal data (404).
    await send(
      { ...routes[0]!, path: `/v1/people/${PII.email}/${PII.phone}` },
      { apiKey: key, id: customer.id, body: {}, query: {} },
    );
    // Malformed JSON quoting personal data (400).
    const malformed = await request(app)
      .post("/v1/test/throws")
      .set("x-apikey", key)
      .set("content-type", "application/json")
      .send(`{"email": "${PII.email}", `);
    statuses.add(malformed.status);
    requests++;

    // The run covered the failures that matter.
    for (const status of [200, 400, 401, 404, 422, 500]) expect(statuses, `status ${status} seen`).toContain(status);

    const text = captured.join("\n");
    // The logs are there (one line per request at least), and say what happened...
    const lines = captured.filter(
      (line) => line.includes('"msg":"request completed"') || line.includes('"msg":"request errored"'),
    );
    expect(lines.length).toBeGreaterThanOrEqual(requests);
    const entries = text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, any>);
    const errors = entries.flatMap((entry) => (entry.err ? [entry.err] : []));
    // Errors keep what tells where and what broke (type, SQLSTATE, constraint, table, column, frames).
    expect(errors).toContainEqual(
      expect.objectContaining({ type: "Error", stack: expect.stringMatching(/^\s+at .*logs\.test\.ts/) }),
    );
    expect(errors).toContainEqual(
      expect.objectContaining({ type: "DatabaseError", code: "22007", routine: "DateTimeParseError" }),
    );
    expect(errors).toContainEqual(
      expect.objectContaining({
        type: "DatabaseError",
        code: "23505",
        table: "merchants",
        constraint: "merchants_slug_key",
      }),
    );
    expect(errors).toContainEqual(
      expect.objectContaining({ type: "DatabaseError", code: "23502", table: "merchants", column: "id" }),
    );
    expect(errors).toContainEqual(expect.objectContaining({ type: "PrismaClientValidationError" }));
    expect(errors).toContainEqual(expect.objectContaining({ cause: expect.objectContaining({ type: "Error" }) }));
    // A customer logged by hand is there, with its personal fields redacted.
    expect(entries).toContainEqual(
      expect.objectContaining({
        msg: "saving a customer",
        customer: expect.objectContaining({ first_name: "[redacted]", address1: "[redacted]" }),
      }),
    );
    // ...but nothing personal, and no key.
    const forbidden = [
      ...secrets,
      PII.email,
      "quackenbush",
      "jeanette",
      PII.phone,
      PII.phoneAsTyped,
      "5550199",
      "555-0199",
      PII.address1,
      "Evergreen",
      "31Z",
      PII.birthday,
    ];
    for (const value of forbidden)
      expect(text.toLowerCase(), `log contains ${value}`).not.toContain(value.toLowerCase());
  });
});
