// A TCP proxy between a server under test and PostgreSQL, for two things the bench cannot see from
// outside: how many round trips a request makes (each time the client speaks again after PostgreSQL
// answered is one), and a deliberately slowed read (every answer from PostgreSQL held `delayMs`),
// which test/bench feeds the bench to see its goals missed. Production code knows nothing of it:
// the bench points the server's DATABASE_URL at the proxy.
import net from "node:net";

export interface PgProxy {
  /** DATABASE_URL of the target with the proxy's port. */
  url: string;
  /** Round trips so far, over every connection. */
  roundTrips(): number;
  close(): Promise<void>;
}

export async function startPgProxy(targetUrl: string, delayMs = 0): Promise<PgProxy> {
  const target = new URL(targetUrl);
  let trips = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    // The client speaks first; each time it speaks after an answer, a new round trip begins.
    let answered = true;
    client.on("data", (chunk) => {
      if (answered) trips++;
      answered = false;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      answered = true;
      // Timers of equal delay fire in the order they were set: the bytes stay in order.
      if (delayMs > 0) setTimeout(() => client.write(chunk), delayMs);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on("close", end);
      s.on("error", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    roundTrips: () => trips,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
