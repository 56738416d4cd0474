// Calling the exports over a real socket (node:http, not supertest): the tests need what a client
// of a stream sees — trailers, a body cut mid-way, the moment it stops reading.
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { afterAll } from "vitest";

/** Listens on a free port for this test file; closed after it. */
export async function listen(app: Express): Promise<string> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  trailers: NodeJS.Dict<string>;
}

const urlOf = (base: string, path: string, query: Record<string, string | number>) => {
  const url = new URL(path, base);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  return url;
};

/** The whole answer, body and trailers. */
export function call(
  base: string,
  path: string,
  key: string,
  query: Record<string, string | number> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(urlOf(base, path, query), { headers: { "x-apikey": key, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
            trailers: res.trailers,
          }),
        );
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** Reads an NDJSON export until `lines` whole lines have come, then goes away (destroys the socket). */
export function readThenAbort(
  base: string,
  path: string,
  key: string,
  query: Record<string, string | number>,
  lines: number,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = http.get(urlOf(base, path, query), { headers: { "x-apikey": key } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      let buffered = "";
      const got: string[] = [];
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split("\n");
        buffered = parts.pop()!;
        got.push(...parts);
        if (got.length >= lines) {
          req.destroy();
          resolve(got.slice(0, lines));
        }
      });
      res.on("end", () => resolve(got));
      res.on("error", () => {});
    });
    req.on("error", () => {});
  });
}

export interface ControlLine {
  export: "checkpoint" | "end";
  records: number;
  has_more?: boolean;
  next_cursor: string | null;
  complete_through?: string | null;
}

/** An NDJSON body as its records, its checkpoint lines and its end line (undefined when cut). */
export function parseNdjson(lines: string[] | string) {
  const parsed = (typeof lines === "string" ? lines.split("\n") : lines)
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const control = parsed.filter((line): line is Record<string, unknown> & ControlLine => "export" in line);
  return {
    records: parsed.filter((line) => !("export" in line)) as any[],
    checkpoints: control.filter((line) => line.export === "checkpoint"),
    end: control.find((line) => line.export === "end"),
    lines: parsed,
  };
}
