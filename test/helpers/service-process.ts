// The real service process (src/server.ts, as `npm run dev` runs it) on a test's database, on a free
// port, ready (its /readyz answered 200) when this returns. For what only the process shows: several
// instances on one database, what it writes on its way out.
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "./ports.js";

export interface ServiceProcess {
  base: string;
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr together. */
  output: () => string;
  /** What it wrote to stdout so far (its log lines). */
  stdout: () => string;
  /** Its exit code, once it has exited. */
  exited: Promise<number | null>;
}

/** `env`: the service's settings besides the database and the port (CURSOR_SECRET, LOG_LEVEL, …). */
export async function startServiceProcess(
  databaseUrl: string,
  env: Record<string, string>,
  name = "the service",
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  child.stdout!.on("data", (d) => {
    output += d;
    stdout += d;
  });
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 120_000; ; ) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${name} not ready in time:\n${output}`);
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { base, child, output: () => output, stdout: () => stdout, exited };
    await new Promise((r) => setTimeout(r, 200));
  }
}
