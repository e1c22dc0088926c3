/**
 * The Postgres store's connections: one `pg` pool per store, 64-bit integers and numerics parsed as numbers (epoch
 * milliseconds and counters fit in a double; pg returns them as strings by default), and the first connection
 * checked so a wrong URL or an unreachable server is one clear user error instead of a driver stack.
 * Errors never repeat the URL's password.
 *
 * @example
 * ```ts
 * const pool = await connectPool("postgres://monitor@127.0.0.1:5432/monitor", { max: 10 });
 * ```
 */
import pg from "pg";
import { EdgeMlError } from "../../../core/errors.ts";

const INT8 = 20;
const NUMERIC = 1700;

/** pg's parsers, except that int8 and numeric become numbers (sums of bigint columns are numeric in Postgres). */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  /** Connections per process (default 10). */
  max?: number;
  /** How long to wait for a connection before failing (default 10 s). */
  connectTimeoutMs?: number;
}

/** `host:port/db` of a URL, for messages: no user, no password. */
function where(url: URL): string {
  return `${url.hostname || "localhost"}:${url.port || "5432"}${url.pathname}`;
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    // Not `cause`: the URL parser's error carries the input, password included.
    throw new EdgeMlError("ERR_USAGE", "the Postgres store URL is not a valid URL", {
      hint: "write it as postgres://user[:password]@host[:port]/database (percent-encode special characters in the password)",
    });
  }
}

/** A user error for a failed first connection, with what to check. */
function connectError(error: unknown, url: URL): EdgeMlError {
  const e = error as { code?: string; message?: string };
  const at = where(url);
  const user = decodeURIComponent(url.username) || process.env["PGUSER"] || "(your OS user)";
  const db = decodeURIComponent(url.pathname.slice(1)) || user;
  const reason = e.message ?? String(error);
  switch (e.code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ETIMEDOUT":
    case "EAI_AGAIN":
      return new EdgeMlError("ERR_BAD_CONFIG", `cannot reach Postgres at ${at} (${e.code})`, {
        hint: "check that the server runs and listens there (pg_isready -h <host> -p <port>), and the host and port of --store / $EDGE_ML_MONITOR_STORE",
      });
    case "28P01":
    case "28000":
      return new EdgeMlError("ERR_BAD_CONFIG", `Postgres at ${at} refused user ${user}: ${reason}`, {
        hint: "check the user and password of the store URL (the password may also come from $PGPASSWORD or ~/.pgpass) and pg_hba.conf",
      });
    case "3D000":
      return new EdgeMlError("ERR_BAD_CONFIG", `Postgres at ${at} has no database ${db}`, {
        hint: `create it first (createdb -h ${url.hostname || "localhost"} -p ${url.port || "5432"} ${db}); the monitor creates its tables itself`,
      });
    default:
      return new EdgeMlError("ERR_BAD_CONFIG", `cannot connect to Postgres at ${at}: ${reason.includes("timeout") ? "no answer in time" : reason}`, {
        hint: "check the store URL, the server's logs, and that it accepts connections from this machine",
      });
  }
}

export async function connectPool(url: string, opts: PoolOptions = {}): Promise<pg.Pool> {
  const parsed = parseUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000, types });
  // An idle connection the server dropped (restart, failover) must not crash the monitor: the pool replaces it.
  pool.on("error", (error) => console.warn(`edge-ml monitor: Postgres connection lost (${where(parsed)}): ${error.message}`));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw connectError(error, parsed);
  }
  return pool;
}
