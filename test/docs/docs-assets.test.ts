// The docs page's assets wherever the project lives: a checkout under a folder whose name starts
// with a dot (~/.local/…, a CI cache) puts a dot segment in the absolute path of swagger-ui-dist,
// which express's sendFile refuses (404) unless the file is served relative to its folder.
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import request from "supertest";
import { afterAll, describe, expect, it, vi } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";

// swagger-ui-dist as Node resolves it for a project in <tmp>/.cache/pos-bridge: a real copy there
// (a symlink would resolve back to this checkout's path).
const dotted = vi.hoisted(() => {
  const { cpSync, mkdirSync, mkdtempSync } = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  const root = mkdtempSync(path.join(os.tmpdir(), "pos-bridge-docs-"));
  const dir = path.join(root, ".cache", "pos-bridge", "node_modules", "swagger-ui-dist");
  mkdirSync(dir, { recursive: true });
  for (const file of [
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
    "package.json",
  ]) {
    cpSync(path.join("node_modules", "swagger-ui-dist", file), path.join(dir, file));
  }
  return { root, dir };
});
vi.mock("../../src/docs/page.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../src/docs/page.js")>()),
  swaggerUiDir: dotted.dir,
}));

const { swaggerAssets } = await import("../../src/docs/page.js");
const { app } = await createTestApp();

afterAll(() => rmSync(dotted.root, { recursive: true, force: true }));

describe("GET /docs/assets/{file} from a project under a dot-folder", () => {
  it(prose`
    when the project's path has a segment starting with a dot, then every asset is served, byte for byte
  `, async () => {
    expect(dotted.dir).toContain(`${path.sep}.cache${path.sep}`);
    for (const [name, file] of Object.entries(swaggerAssets)) {
      const res = await request(app)
        .get(`/docs/assets/${name}`)
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () => done(null, Buffer.concat(chunks)));
        });
      expect(res.status, name).toBe(200);
      expect(Buffer.compare(res.body as Buffer, readFileSync(path.join(dotted.dir, file))), name).toBe(0);
    }
  });

  it("when a name is not one of the page's files, then 404, even for a file that sits in the folder", async () => {
    for (const name of ["package.json", "..%2Fpackage.json", ".cache", "nope.js"]) {
      expect((await request(app).get(`/docs/assets/${name}`)).status, name).toBe(404);
    }
  });
});
