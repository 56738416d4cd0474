// One dedicated connection that LISTENs on a channel, outside the request pool (a pooled connection
// would stop hearing as soon as it went back to the pool). What depends on it must know when it may
// have missed a notification: `listening` is true only from the moment LISTEN has been acknowledged
// until the connection errs or ends; every change of that state is told (`lost`, then `listening`
// again), and it reconnects by itself with a growing delay until closed.
import { EventEmitter } from "node:events";
import { sql } from "kysely";
import pg from "pg";
import { execute, reviewedStatement } from "./sql.js";

export interface ChannelListenerEvents {
  /** LISTEN is in force: from now on every notification on the channel is heard. */
  listening: [];
  /** A notification on the channel (the payload is not needed by its listeners). */
  notification: [];
  /** The connection erred or ended: notifications may have been missed since it last listened. */
  lost: [];
}

const FIRST_DELAY_MS = 100;
const LONGEST_DELAY_MS = 5_000;

export class ChannelListener extends EventEmitter<ChannelListenerEvents> {
  #client: pg.Client | null = null;
  #listening = false;
  #closed = false;
  #delay = FIRST_DELAY_MS;
  #retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly channel: string,
  ) {
    super();
    // Each app made over one Db (tests make several) listens to the same listener.
    this.setMaxListeners(0);
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Connects and listens (again after a loss); a no-op once started or closed. */
  start(): void {
    if (this.#closed || this.#client || this.#retry) return;
    // TCP keepalive: a peer gone without a word (a network cut) ends the connection in time, as an error would;
    // until then, the cache's TTL bounds what a missed notification can cost.
    const client = new pg.Client({
      connectionString: this.url,
      application_name: "pos-bridge listener",
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    this.#client = client;
    let gone = false;
    const lose = () => {
      if (gone) return;
      gone = true;
      client.removeAllListeners("notification");
      client.end().catch(() => {});
      this.#client = null;
      const was = this.#listening;
      this.#listening = false;
      if (was) this.emit("lost");
      this.#scheduleRetry();
    };
    client.on("error", lose);
    client.on("end", lose);
    client.on("notification", (message) => {
      if (message.channel === this.channel) this.emit("notification");
    });
    client
      .connect()
      .then(() => execute(client, reviewedStatement("no-tenant-table", sql.raw(`LISTEN ${this.channel}`))))
      .then(() => {
        if (gone || this.#closed) return;
        this.#listening = true;
        this.#delay = FIRST_DELAY_MS;
        this.emit("listening");
      })
      .catch(lose);
  }

  #scheduleRetry() {
    if (this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.start();
    }, this.#delay);
    this.#retry.unref();
    this.#delay = Math.min(this.#delay * 2, LONGEST_DELAY_MS);
  }

  /** Stops listening for good (the process is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const client = this.#client;
    this.#client = null;
    if (this.#listening) {
      this.#listening = false;
      this.emit("lost");
    }
    if (client) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
    }
  }
}
