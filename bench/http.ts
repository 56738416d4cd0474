// A plain keep-alive HTTP client for the bench's sequential samples: node:http (no fetch layers),
// the body read whole as bytes, as a client that stores or forwards a page would.
import http from "node:http";

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

export class BenchClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            "x-apikey": this.apiKey,
            ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** GET that must answer 200. */
  async get(path: string): Promise<Buffer> {
    const answer = await this.request("GET", path);
    if (answer.status !== 200)
      throw new Error(`GET ${path}: ${answer.status} ${answer.body.toString("utf8").slice(0, 500)}`);
    return answer.body;
  }

  close() {
    this.agent.destroy();
  }
}
