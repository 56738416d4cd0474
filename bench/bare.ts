// The bare node:http + pg server of bench/bare-server.ts, built and started as a child process of the
// node binary being measured (polls.ts: the empty poll's comparison; pages.ts: the page's HTTP floor).
import { spawn } from "node:child_process";
import path from "node:path";
import { build } from "esbuild";
import type { SuiteContext } from "./context.js";

export interface BareServer {
  baseUrl: string;
  stop(): void;
}

/** The bare server as plain JavaScript, like the service's dist/ (esbuild, bundled with what it imports from src/). */
async function buildBare(): Promise<string> {
  const outfile = path.resolve(".data", "bench-bare", "bare-server.mjs");
  await build({
    entryPoints: [path.join("bench", "bare-server.ts")],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  return outfile;
}

/** Starts the bare server on the database itself (never through the bench-only slowing proxy). */
export async function startBare(ctx: SuiteContext): Promise<BareServer> {
  const child = spawn(process.execPath, [await buildBare()], {
    env: { ...process.env, BARE_DATABASE_URL: ctx.databaseUrl, BARE_CURSOR_SECRET: ctx.cursorSecret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString("utf8").trim())));
    child.once("exit", (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}
