/**
 * A local stand-in for the few Cloudflare API endpoints wrangler (the pinned 4.86.0) calls to deploy a Worker, so real
 * (not dry-run) `wrangler deploy`, `versions upload`, `versions deploy`, `deployments list` and `secret put` can be
 * tested without an account or a network. Point wrangler at it with `CLOUDFLARE_API_BASE_URL=<api.baseUrl>` (the
 * `/client/v4` prefix included) plus any CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID.
 *
 * It keeps a little state the way the API does (Workers, their versions with bindings and modules, deployments with
 * their traffic split, secrets, the workers.dev subdomain; KV namespaces written by `wrangler kv bulk put`, and D1
 * databases, real SQLite in memory, that `wrangler d1 execute --remote --file` imports into through D1's import flow:
 * init ▶ upload to the returned URL ▶ ingest), answers in the API's envelope `{success, errors, messages, result}`, records every request (multipart uploads parsed into their parts), and can be told to fail an endpoint
 * with a status or to hang. A request it does not know is recorded in `unknown` and answered 404, so a test sees
 * anything new wrangler starts calling.
 *
 * @example
 * ```ts
 * const api = await startCloudflareApi();
 * await runWrangler(dir, ["deploy"], { env: { ...process.env, ...api.env } });
 * api.requests.map((r) => `${r.method} ${r.route}`); // ["GET services/:name", ..., "POST scripts/:name/versions", ...]
 * api.fail("POST scripts/:name/versions", { status: 500, code: 10013, message: "internal error" });
 * await api.close();
 * ```
 */
import Database from "better-sqlite3";
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
const SUBDOMAIN = "edge-ml-test";

/** One part of a multipart upload: the metadata, the main module, or another module. */
export interface UploadPart {
  name: string;
  filename?: string;
  type: string;
  bytes: Buffer;
  sha256: string;
}

export interface Binding {
  name: string;
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The endpoint in a short form, e.g. `POST scripts/:name/versions` (`unknown` when not recognized). */
  route: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** A JSON body, parsed. */
  json?: unknown;
  /** A multipart body: `metadata` parsed, and every part. */
  metadata?: Record<string, unknown> & { bindings?: Binding[]; main_module?: string };
  parts?: UploadPart[];
}

export interface Version {
  id: string;
  number: number;
  created_on: string;
  metadata: { author_email: string; source: string; created_on: string; modified_on: string; hasPreview: boolean };
  annotations: Record<string, string>;
  resources: { bindings: Binding[]; script: { etag: string; handlers: string[] }; script_runtime: { compatibility_date?: string } };
  startup_time_ms: number;
  /** Not in the API's answer: what was uploaded. */
  parts: UploadPart[];
  mainModule: string | undefined;
}

export interface Deployment {
  id: string;
  created_on: string;
  source: string;
  strategy: "percentage";
  author_email: string;
  annotations: Record<string, string>;
  versions: { version_id: string; percentage: number }[];
}

export interface WorkerState {
  name: string;
  tag: string;
  versions: Version[];
  /** Newest first, as the API lists them. */
  deployments: Deployment[];
  subdomain: { enabled: boolean; previews_enabled: boolean };
  routes: { pattern: string }[];
}

export type Failure = { status: number; code?: number; message?: string } | { hang: true };

/** One KV pair as `wrangler kv bulk put` sent it. */
export interface KvPair {
  value: string;
  expiration?: number;
}

/** A D1 database of the stand-in: real SQLite, and every SQL file imported into it (in order). */
export interface D1State {
  db: Database.Database;
  imports: string[];
}

type Route = { method: string; pattern: RegExp; route: string };
const ROUTES: Route[] = [
  ["GET", /^\/accounts\/[^/]+\/workers\/services\/([^/]+)$/, "services/:name"],
  ["GET", /^\/accounts\/[^/]+\/workers\/subdomain$/, "subdomain"],
  ["PUT", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)$/, "scripts/:name"],
  ["GET", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/settings$/, "scripts/:name/settings"],
  ["PATCH", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/script-settings$/, "scripts/:name/script-settings"],
  ["GET", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/subdomain$/, "scripts/:name/subdomain"],
  ["POST", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/subdomain$/, "scripts/:name/subdomain"],
  ["PUT", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/routes$/, "scripts/:name/routes"],
  ["GET", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/deployments$/, "scripts/:name/deployments"],
  ["POST", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/deployments$/, "scripts/:name/deployments"],
  ["GET", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/versions$/, "scripts/:name/versions"],
  ["POST", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/versions$/, "scripts/:name/versions"],
  ["GET", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/versions\/([^/]+)$/, "scripts/:name/versions/:id"],
  ["GET", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/secrets$/, "scripts/:name/secrets"],
  ["PUT", /^\/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/secrets$/, "scripts/:name/secrets"],
  ["PUT", /^\/accounts\/[^/]+\/storage\/kv\/namespaces\/([^/]+)\/bulk$/, "kv/:id/bulk"],
  ["POST", /^\/accounts\/[^/]+\/d1\/database\/([^/]+)\/import$/, "d1/:id/import"],
  ["GET", /^\/zones$/, "zones"],
  ["GET", /^\/zones\/([^/]+)\/workers\/routes$/, "zones/:id/workers/routes"],
].map(([method, pattern, route]) => ({ method: method as string, pattern: pattern as RegExp, route: `${method} ${route}` }));

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const envelope = (result: unknown, extra: Record<string, unknown> = {}) => ({ success: true, errors: [], messages: [], result, ...extra });
const apiError = (code: number, message: string) => ({ success: false, errors: [{ code, message }], messages: [], result: null });

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (name: string) => new ApiError(404, 10007, `This Worker (${name}) does not exist on your account.`);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseMultipart(body: Buffer, contentType: string): Promise<UploadPart[]> {
  const form = await new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData();
  const parts: UploadPart[] = [];
  const entries: [string, FormDataEntryValue][] = [];
  form.forEach((value, name) => void entries.push([name, value]));
  for (const [name, value] of entries) {
    if (typeof value === "string") {
      const bytes = Buffer.from(value);
      parts.push({ name, type: "text/plain", bytes, sha256: sha256(bytes) });
    } else {
      const bytes = Buffer.from(await value.arrayBuffer());
      parts.push({ name, filename: value.name, type: value.type, bytes, sha256: sha256(bytes) });
    }
  }
  return parts;
}

export interface CloudflareApi {
  /** `http://127.0.0.1:<port>/client/v4`: wrangler's CLOUDFLARE_API_BASE_URL. */
  baseUrl: string;
  /** What wrangler needs to talk to this stand-in instead of api.cloudflare.com. */
  env: Record<string, string>;
  requests: RecordedRequest[];
  /** Requests no endpoint here answers (answered 404). */
  unknown: RecordedRequest[];
  workers: Map<string, WorkerState>;
  /** Answer `route` (e.g. "POST scripts/:name/versions") with an API error, or never answer, until `clear()`. */
  fail(route: string, failure: Failure): void;
  clear(): void;
  /** Zones the account has, for routes (`example.com/*` needs the zone `example.com`). */
  addZone(name: string): string;
  /** The deployment serving traffic now. */
  currentDeployment(worker: string): Deployment | undefined;
  /** KV namespaces by id: what bulk writes put there, by key. */
  kv: Map<string, Map<string, KvPair>>;
  /** D1 databases by id (created on first import). */
  d1: Map<string, D1State>;
  close(): Promise<void>;
}

export async function startCloudflareApi(): Promise<CloudflareApi> {
  const requests: RecordedRequest[] = [];
  const unknown: RecordedRequest[] = [];
  const workers = new Map<string, WorkerState>();
  const failures = new Map<string, Failure>();
  const zones: { id: string; name: string }[] = [];
  const hanging = new Set<ServerResponse>();
  const kv = new Map<string, Map<string, KvPair>>();
  const d1 = new Map<string, D1State>();
  /** D1 import uploads waiting for their ingest: the upload URL's token ▶ database id and the uploaded SQL. */
  const uploads = new Map<string, { database: string; etag: string; sql?: string }>();
  let baseUrl = "";
  let clock = Date.parse("2026-12-01T00:00:00Z");
  const now = () => new Date((clock += 1000)).toISOString();

  const worker = (name: string): WorkerState => {
    const w = workers.get(name);
    if (!w) throw notFound(name);
    return w;
  };

  /** A new version from an upload: its bindings, with the previous version's secrets kept (as the API does). */
  const addVersion = (w: WorkerState, rec: RecordedRequest): Version => {
    const meta = rec.metadata ?? {};
    const uploaded = meta.bindings ?? [];
    const previous = w.versions.at(-1)?.resources.bindings ?? [];
    const kept = previous.filter((b) => b.type === "secret_text" && !uploaded.some((u) => u.name === b.name));
    const created = now();
    const version: Version = {
      id: randomUUID(),
      number: w.versions.length + 1,
      created_on: created,
      metadata: { author_email: "ci@example.com", source: "wrangler", created_on: created, modified_on: created, hasPreview: false },
      annotations: (meta["annotations"] as Record<string, string> | undefined) ?? {},
      resources: {
        bindings: [...uploaded, ...kept],
        script: { etag: sha256(Buffer.concat((rec.parts ?? []).map((p) => p.bytes))), handlers: ["fetch"] },
        script_runtime: { compatibility_date: meta["compatibility_date"] as string },
      },
      startup_time_ms: 7,
      parts: rec.parts ?? [],
      mainModule: meta.main_module,
    };
    w.versions.push(version);
    return version;
  };

  const deployVersions = (w: WorkerState, versions: { version_id: string; percentage: number }[], annotations: Record<string, string>) => {
    const total = versions.reduce((s, v) => s + v.percentage, 0);
    if (versions.length === 0 || Math.abs(total - 100) > 1e-9) throw new ApiError(400, 10220, `version percentages must add up to 100, got ${total}`);
    for (const v of versions) {
      if (!w.versions.some((x) => x.id === v.version_id)) throw new ApiError(400, 10218, `version ${v.version_id} does not exist on Worker ${w.name}`);
    }
    const deployment: Deployment = {
      id: randomUUID(),
      created_on: now(),
      source: "wrangler",
      strategy: "percentage",
      author_email: "ci@example.com",
      annotations,
      versions,
    };
    w.deployments.unshift(deployment);
    return deployment;
  };

  const publicVersion = ({ parts: _parts, mainModule: _main, ...v }: Version) => v;

  const handle = (rec: RecordedRequest, params: string[]): unknown => {
    const [name = "", id = ""] = params;
    switch (rec.route) {
      case "GET services/:name": {
        const w = worker(name);
        return {
          id: name,
          default_environment: { environment: "production", script: { id: name, tag: w.tag, tags: [], last_deployed_from: "wrangler" } },
        };
      }
      case "GET subdomain":
        return { subdomain: SUBDOMAIN };
      case "PUT scripts/:name": {
        // The first upload of a Worker (wrangler uses the versions API once it exists): a version deployed at 100%.
        const w = workers.get(name) ?? {
          name,
          tag: randomUUID().replaceAll("-", ""),
          versions: [],
          deployments: [],
          subdomain: { enabled: false, previews_enabled: false },
          routes: [],
        };
        workers.set(name, w);
        const v = addVersion(w, rec);
        deployVersions(w, [{ version_id: v.id, percentage: 100 }], v.annotations);
        return { id: name, etag: v.resources.script.etag, deployment_id: v.id, startup_time_ms: v.startup_time_ms, has_modules: true };
      }
      case "GET scripts/:name/settings": {
        const w = worker(name);
        return { bindings: w.versions.at(-1)?.resources.bindings ?? [], compatibility_date: w.versions.at(-1)?.resources.script_runtime.compatibility_date };
      }
      case "PATCH scripts/:name/script-settings":
        worker(name);
        return rec.json;
      case "GET scripts/:name/subdomain":
        return worker(name).subdomain;
      case "POST scripts/:name/subdomain": {
        const w = worker(name);
        const body = rec.json as { enabled: boolean; previews_enabled?: boolean };
        w.subdomain = { enabled: body.enabled, previews_enabled: body.previews_enabled ?? body.enabled };
        return w.subdomain;
      }
      case "PUT scripts/:name/routes": {
        const w = worker(name);
        w.routes = rec.json as { pattern: string }[];
        return w.routes.map((r) => ({ id: randomUUID(), ...r, script: name }));
      }
      case "GET scripts/:name/deployments":
        return { deployments: worker(name).deployments };
      case "POST scripts/:name/deployments": {
        const body = rec.json as { versions: { version_id: string; percentage: number }[]; annotations?: Record<string, string> };
        return deployVersions(worker(name), body.versions, body.annotations ?? {});
      }
      case "GET scripts/:name/versions":
        return { items: [...worker(name).versions].reverse().map(publicVersion) };
      case "POST scripts/:name/versions":
        return publicVersion(addVersion(worker(name), rec));
      case "GET scripts/:name/versions/:id": {
        const v = worker(name).versions.find((x) => x.id === id);
        if (!v) throw new ApiError(404, 10217, `version ${id} not found`);
        return publicVersion(v);
      }
      case "GET scripts/:name/secrets":
        return (worker(name).versions.at(-1)?.resources.bindings ?? []).filter((b) => b.type === "secret_text").map((b) => ({ name: b.name, type: b.type }));
      case "PUT scripts/:name/secrets": {
        const w = worker(name);
        const secret = rec.json as Binding;
        const latest = w.versions.at(-1);
        if (!latest) throw notFound(name);
        const bindings = [...latest.resources.bindings.filter((b) => b.name !== secret.name), { name: secret.name, type: "secret_text", text: secret.text }];
        const v = addVersion(w, { ...rec, metadata: { bindings, main_module: latest.mainModule }, parts: latest.parts } as RecordedRequest);
        deployVersions(w, [{ version_id: v.id, percentage: 100 }], { "workers/triggered_by": "secret" });
        return { name: secret.name, type: "secret_text" };
      }
      case "PUT kv/:id/bulk": {
        // The API's limits: 10,000 pairs a request; a key, a string value, an expiration at least 60 s ahead.
        const pairs = rec.json as { key: string; value: string; expiration?: number }[];
        if (!Array.isArray(pairs) || pairs.length > 10_000) throw new ApiError(400, 10026, "bulk writes take an array of at most 10,000 pairs");
        const ns = kv.get(name) ?? new Map<string, KvPair>();
        const nowS = Date.now() / 1000;
        for (const p of pairs) {
          if (typeof p.key !== "string" || typeof p.value !== "string") throw new ApiError(400, 10019, "each pair needs a string key and value");
          if (p.expiration !== undefined && p.expiration < nowS + 60) throw new ApiError(400, 10033, "expiration must be at least 60 seconds in the future");
          ns.set(p.key, { value: p.value, ...(p.expiration === undefined ? {} : { expiration: p.expiration }) });
        }
        kv.set(name, ns);
        return { successful_key_count: pairs.length, unsuccessful_keys: [] };
      }
      case "POST d1/:id/import": {
        const body = rec.json as { action: string; etag: string; filename?: string };
        if (body.action === "init") {
          const token = randomUUID();
          uploads.set(token, { database: name, etag: body.etag });
          return { success: true, upload_url: `${baseUrl.replace(/\/client\/v4$/, "")}/r2-upload/${token}`, filename: `${token}.sql` };
        }
        if (body.action === "ingest") {
          const token = (body.filename ?? "").replace(/\.sql$/, "");
          const upload = uploads.get(token);
          if (!upload?.sql || upload.etag !== body.etag) throw new ApiError(400, 7500, "no uploaded file with that name and etag");
          uploads.delete(token);
          const state = d1.get(name) ?? { db: new Database(":memory:"), imports: [] };
          d1.set(name, state);
          const before = state.db.prepare("SELECT total_changes() AS n").get() as { n: number };
          const started = performance.now();
          try {
            state.db.exec(`BEGIN;\n${upload.sql}\nCOMMIT;`);
          } catch (error) {
            if (state.db.inTransaction) state.db.exec("ROLLBACK");
            return { success: true, status: "error", messages: [], errors: [(error as Error).message] };
          }
          state.imports.push(upload.sql);
          const after = state.db.prepare("SELECT total_changes() AS n").get() as { n: number };
          const queries = upload.sql.split(";\n").filter((q) => q.trim() !== "").length;
          return {
            success: true,
            status: "complete",
            messages: [],
            result: {
              num_queries: queries,
              final_bookmark: randomUUID(),
              meta: { duration: performance.now() - started, rows_read: 0, rows_written: after.n - before.n, size_after: 4096 },
            },
          };
        }
        throw new ApiError(400, 7500, `import action ${body.action} is not supported here`);
      }
      case "GET zones":
        return zones.filter((z) => z.name === rec.query["name"]);
      case "GET zones/:id/workers/routes":
        return [...workers.values()].flatMap((w) => w.routes.map((r) => ({ id: randomUUID(), pattern: r.pattern, script: w.name })));
      default:
        throw new ApiError(404, 7003, `No route for that URI: ${rec.method} ${rec.path}`);
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      // wrangler's update check asks the npm registry (pointed here by npm_config_registry): no news, no network.
      if (url.pathname.startsWith("/npm/")) return void res.writeHead(404).end();
      // A D1 import's upload (R2's presigned URL in the real flow): answered with the body's MD5 as the etag.
      if (req.method === "PUT" && url.pathname.startsWith("/r2-upload/")) {
        const upload = uploads.get(url.pathname.slice("/r2-upload/".length));
        const body = await readBody(req);
        if (!upload) return void res.writeHead(404).end();
        upload.sql = body.toString("utf8");
        return void res.writeHead(200, { etag: `"${createHash("md5").update(body).digest("hex")}"` }).end();
      }
      const path = url.pathname.replace(/^\/client\/v4/, "");
      const match = ROUTES.map((r) => ({ r, m: req.method === r.method ? r.pattern.exec(path) : null })).find((x) => x.m);
      const body = await readBody(req);
      const contentType = req.headers["content-type"] ?? "";
      const rec: RecordedRequest = {
        method: req.method ?? "GET",
        path,
        route: match?.r.route ?? "unknown",
        query: Object.fromEntries(url.searchParams),
        headers: {
          authorization: req.headers.authorization,
          "content-type": req.headers["content-type"],
          "user-agent": req.headers["user-agent"],
          "cloudflare-workers-script-api-date": req.headers["cloudflare-workers-script-api-date"] as string | undefined,
        },
      };
      if (contentType.startsWith("multipart/form-data")) {
        rec.parts = await parseMultipart(body, contentType);
        const meta = rec.parts.find((p) => p.name === "metadata");
        if (meta) rec.metadata = JSON.parse(meta.bytes.toString("utf8")) as NonNullable<RecordedRequest["metadata"]>;
      } else if (body.length > 0) {
        try {
          rec.json = JSON.parse(body.toString("utf8"));
        } catch {
          rec.json = body.toString("utf8");
        }
      }
      requests.push(rec);
      if (!match) unknown.push(rec);
      const send = (status: number, payload: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      const failure = failures.get(rec.route);
      if (failure && "hang" in failure) {
        hanging.add(res);
        return;
      }
      if (failure) return send(failure.status, apiError(failure.code ?? 10000, failure.message ?? `failed (${failure.status})`));
      if (rec.headers.authorization !== `Bearer ${TOKEN}`) return send(403, apiError(10000, "Authentication error"));
      try {
        const result = handle(rec, (match?.m ?? []).slice(1));
        send(200, envelope(result, rec.route === "GET zones" ? { result_info: { page: 1, per_page: 50, count: 1, total_count: 1 } } : {}));
      } catch (error) {
        if (error instanceof ApiError) return send(error.status, apiError(error.code, error.message));
        send(500, apiError(10013, (error as Error).message));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}/client/v4`;
  return {
    baseUrl,
    env: {
      CLOUDFLARE_API_BASE_URL: baseUrl,
      CLOUDFLARE_API_TOKEN: TOKEN,
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID,
      WRANGLER_SEND_METRICS: "false",
      npm_config_registry: `http://127.0.0.1:${port}/npm/`,
    },
    requests,
    unknown,
    workers,
    fail: (route, failure) => void failures.set(route, failure),
    clear: () => {
      failures.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
    },
    addZone: (name) => {
      const id = sha256(Buffer.from(name)).slice(0, 32);
      zones.push({ id, name });
      return id;
    },
    currentDeployment: (name) => workers.get(name)?.deployments[0],
    kv,
    d1,
    close: () => {
      for (const state of d1.values()) state.db.close();
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The API token the stand-in accepts (any other is refused with Cloudflare's authentication error). */
export const TOKEN = "edge-ml-test-token";
