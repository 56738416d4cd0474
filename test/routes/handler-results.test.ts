// Typed handler results (lib/answer.ts): what a handler may return is checked by the compiler
// against the route's declared responses (the `@ts-expect-error` lines below are the proof: `npx tsc
// --noEmit`, run by `npm test`, fails if any of them compiles), and the router writes each kind of
// answer as declared (the requests below).
import request from "supertest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRoute } from "../../src/lib/route.js";
import { createTestDb } from "../helpers/db.js";
import { testGet } from "../helpers/routes.js";
import { appOver } from "../security/apps.js";

const thing = z.object({ id: z.string().describe("Its id."), count: z.number().int().describe("How many.") });

const route = testGet;

const json = { 200: { description: "A thing.", schema: thing }, 201: { description: "Made.", schema: thing } } as const;
const csv = { 200: { description: "A thing as CSV.", schema: thing, contentTypes: ["text/csv"] } } as const;
const empty = { 204: { description: "Nothing." } } as const;

// Each of these is a compile error; the comment above it says why.
// biome-ignore lint/correctness/noUnusedVariables: never run, only compiled (by tsc, for the errors)
const refused = [
  // The 200 body lacks `count`.
  // @ts-expect-error
  defineRoute({ ...route("/a", json), handler: () => ({ id: "x" }) }),
  // The 200 body's `count` is text.
  // @ts-expect-error
  defineRoute({ ...route("/b", json), handler: async () => ({ id: "x", count: "1" }) }),
  // No 200 is declared, so no 200 body.
  // @ts-expect-error
  defineRoute({ ...route("/c", empty), handler: () => ({ id: "x", count: 1 }) }),
  // Answering with nothing (the old 204) where no 204 is declared.
  // @ts-expect-error
  defineRoute({ ...route("/d", json), handler: () => undefined }),
  // 202 is not a declared status.
  // @ts-expect-error
  defineRoute({ ...route("/e", json), handler: ({ respond }) => respond.json(202, { id: "x", count: 1 }) }),
  // The 201 body is not the declared schema's.
  // @ts-expect-error
  defineRoute({ ...route("/f", json), handler: ({ respond }) => respond.json(201, { id: 1, count: 1 }) }),
  // The 200 declares no non-JSON content type.
  // @ts-expect-error
  defineRoute({ ...route("/g", json), handler: ({ respond }) => respond.text(200, "text/csv", "id\r\n") }),
  // text/html is not among the declared content types.
  // @ts-expect-error
  defineRoute({ ...route("/h", csv), handler: ({ respond }) => respond.text(200, "text/html", "<p>") }),
  // A 200 with a body cannot answer empty.
  // @ts-expect-error
  defineRoute({ ...route("/i", json), handler: ({ respond }) => respond.empty(200) }),
];

// And these compile: one route per kind of answer, served below.
const accepted = [
  defineRoute({ ...route("/test/body", json), handler: () => ({ id: "x", count: 1 }) }),
  defineRoute({
    ...route("/test/created", json),
    handler: ({ respond }) => respond.json(201, { id: "y", count: 2 }, { Location: "/test/y" }),
  }),
  defineRoute({
    ...route("/test/rendered", json),
    handler: ({ respond }) => respond.jsonText(200, '{"id":"z","count":3}'),
  }),
  defineRoute({
    ...route("/test/csv", csv),
    handler: ({ respond }) =>
      respond.text(200, "text/csv; charset=utf-8", "id,count\r\nx,1\r\n", { filename: "t.csv" }),
  }),
  defineRoute({
    ...route("/test/stream", csv),
    handler: ({ respond }) =>
      respond.stream(200, async (res) => {
        res.type("text/csv");
        res.write("id,count\r\n");
        res.end("x,1\r\n");
      }),
  }),
  defineRoute({ ...route("/test/empty", empty), handler: ({ respond }) => respond.empty(204) }),
];

const db = await createTestDb();
const app = appOver(db, { extraRoutes: accepted });

describe("handler results", () => {
  it("when a handler returns its 200 body, then it is the JSON answer", async () => {
    const res = await request(app).get("/test/body");
    expect([res.status, res.type, res.body]).toEqual([200, "application/json", { id: "x", count: 1 }]);
  });

  it("when a handler answers another declared status with headers, then that status, headers and body", async () => {
    const res = await request(app).get("/test/created");
    expect([res.status, res.headers.location, res.body]).toEqual([201, "/test/y", { id: "y", count: 2 }]);
  });

  it("when a handler answers rendered JSON text, then the text is sent as is, as JSON", async () => {
    const res = await request(app).get("/test/rendered");
    expect([res.status, res.headers["content-type"], res.text]).toEqual([
      200,
      "application/json; charset=utf-8",
      '{"id":"z","count":3}',
    ]);
  });

  it("when a handler answers text with a filename, then a download of that type", async () => {
    const res = await request(app).get("/test/csv");
    expect([res.status, res.headers["content-type"], res.headers["content-disposition"], res.text]).toEqual([
      200,
      "text/csv; charset=utf-8",
      "attachment; filename=t.csv",
      "id,count\r\nx,1\r\n",
    ]);
  });

  it("when a handler answers a stream, then what its writer wrote", async () => {
    const res = await request(app).get("/test/stream");
    expect([res.status, res.type, res.text]).toEqual([200, "text/csv", "id,count\r\nx,1\r\n"]);
  });

  it("when a handler answers empty, then its status and no body", async () => {
    const res = await request(app).get("/test/empty");
    expect([res.status, res.text]).toEqual([204, ""]);
  });
});
