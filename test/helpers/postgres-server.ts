/**
 * A real Postgres from Debian's packages (`apt-get install -y postgresql`) for tests and benchmarks: `initdb` into a
 * temp data dir, the server on a free port of 127.0.0.1 (run as the `postgres` user when we are root, which Postgres
 * refuses to run as), fsync and synchronous_commit on (crash tests rely on them) with small shared buffers. Missing
 * binaries are an error with the install command: a store test never skips silently. Tests use ./postgres.ts, which
 * stops the server after the test file.
 *
 * @example
 * ```ts
 * const server = await startPostgres();
 * const url = await server.createDatabase(); // postgres://postgres@127.0.0.1:<port>/t1, empty
 * await server.stop();
 * ```
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PostgresServer {
  port: number;
  /** Connection URL of database `db` (the superuser `postgres`, trusted on 127.0.0.1: no password). */
  url(db?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Immediate shutdown, data dir removed; resolves once the server has exited. */
  stop(): Promise<void>;
}

/** The newest installed major version's bin folder, or a failure that says how to install one. */
function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")) && existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `no Postgres server binaries under ${root}/<version>/bin: the Postgres store tests need a real Postgres. Install it: apt-get install -y postgresql`,
    );
  }
  return join(root, versions[0]!, "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;
/** util-linux's runuser, as Debian installs it. */
const RUNUSER = "/usr/sbin/runuser";
/** Postgres refuses to run as root: run its programs as the `postgres` user that Debian's package creates. */
const command = (bin: string, args: string[]): [string, string[]] => (asRoot ? [RUNUSER, ["-u", "postgres", "--", bin, ...args]] : [bin, args]);

/** uid and gid of the `postgres` user (created by Debian's postgresql package). */
function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (line === undefined) throw new Error("no postgres user in /etc/passwd: install Postgres with apt-get install -y postgresql");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Server settings (`-c name=value`) over the defaults below, e.g. `{ shared_buffers: "256MB" }` for a benchmark. */
export async function startPostgres(overrides: Record<string, string> = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "edge-ml-pg-"));
  const data = join(dir, "data");
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const [initdb, initArgs] = command(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-instructions"]);
  try {
    execFileSync(initdb, initArgs, { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? String(error)}`);
  }
  const settings = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: dir,
    fsync: "on",
    synchronous_commit: "on",
    shared_buffers: "32MB",
    max_connections: "200",
    log_min_messages: "warning",
    ...overrides,
  };
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const [postgres, args] = command(join(bin, "postgres"), [
      "-D",
      data,
      "-p",
      String(port),
      ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    ]);
    const child = spawn(postgres, args, { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => void (log += d));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const ready = await waitReady(port, child, exited);
    if (ready) {
      // A test process that dies without its afterAll (a crash, a timeout kill) must not leave the server running.
      const orphan = () => {
        try {
          process.kill(Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]), "SIGQUIT");
        } catch {}
      };
      process.once("exit", orphan);
      void exited.then(() => process.off("exit", orphan));
      return server(port, dir, data, child, exited);
    }
    if (attempt >= 2 || !log.includes("could not bind")) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Postgres did not start on 127.0.0.1:${port}:\n${log}`);
    }
  }
}

/** Polls until a connection succeeds (true), or the server exits (false); 30 s at most. */
async function waitReady(port: number, child: ChildProcess, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const end = Date.now() + 30_000;
  while (!gone && Date.now() < end) {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    try {
      await client.connect();
      await client.query("select 1");
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
  if (!gone) child.kill("SIGKILL");
  return false;
}

function server(port: number, dir: string, data: string, child: ChildProcess, exited: Promise<void>): PostgresServer {
  let n = 0;
  const url = (db = "postgres") => `postgres://postgres@127.0.0.1:${port}/${db}`;
  let stopping: Promise<void> | undefined;
  return {
    port,
    url,
    async createDatabase() {
      const name = `t${++n}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop() {
      stopping ??= (async () => {
        // The postmaster's pid (runuser's child when root). SIGQUIT is the immediate shutdown: no shutdown checkpoint
        // (seconds of fsync on a busy disk), which nobody needs since the data dir is removed next.
        const kill = (signal: NodeJS.Signals) => {
          try {
            process.kill(Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]), signal);
          } catch {
            child.kill("SIGKILL"); // no pid file: the server is already gone (or never wrote it)
          }
        };
        kill("SIGQUIT");
        const timeout = setTimeout(() => kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timeout);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
