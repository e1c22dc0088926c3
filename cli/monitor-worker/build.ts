/**
 * `edge-ml monitor build --target worker`: the monitor as one Worker module (esbuild bundle of monitor/worker/
 * worker.ts with the dashboard's assets inlined: uPlot from node_modules and our scripts, the same files the Node
 * monitor reads from disk) and the wrangler.toml beside it, with the D1 binding `DB`, the Cron Trigger that runs the
 * alert evaluator and the webhook outbox every minute, and the window as a var. The admin token is a secret, never
 * in the file.
 *
 * @example
 * ```ts
 * const built = await buildMonitorWorker({ outDir: "dist/monitor-worker", name: "edge-ml-monitor" });
 * built.files; // [{ path: "monitor.js", type: "ESModule", bytes, gzipBytes }]
 * ```
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { EdgeMlError } from "../../core/errors.ts";
import { ASSET_NAMES, type AssetName } from "../../monitor/app.ts";
import { parseRetention } from "../../monitor/retention.ts";
import { nodeAssets } from "../../monitor/server.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import type { BuiltFile } from "../../targets/types.ts";

export const MONITOR_MAIN = "monitor.js";
/** The D1 binding's name in the Worker's env (monitor/worker/worker.ts reads `env.DB`). */
export const D1_BINDING = "DB";
/** Every minute: the finest step of the evaluator (rules' windows are whole minutes on Workers, or shorter in tests). */
export const CRON = "* * * * *";

export interface MonitorBuildOptions {
  outDir: string;
  /** The Worker's name (default edge-ml-monitor). */
  name?: string;
  /** D1 database name (default: the Worker's name). */
  database?: string;
  /** D1 database id (`wrangler d1 create`); without it wrangler provisions the database by name at the first deploy. */
  databaseId?: string | undefined;
  /** Window of drift, rates and alert rules (default 1h). */
  window?: string | undefined;
  /** Retention as `--retention` (default: the monitor's defaults); checked here, applied by the Cron Trigger. */
  retention?: string | undefined;
  minify?: boolean;
}

export interface MonitorBuild {
  outDir: string;
  name: string;
  database: string;
  main: string;
  files: BuiltFile[];
  totalBytes: number;
  totalGzipBytes: number;
}

/** The Worker module of the monitor: TypeScript in a checkout, the compiled file when edge-ml is installed. */
function workerModule(): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return fileURLToPath(new URL(`../../monitor/worker/worker${ext}`, import.meta.url));
}

async function inlineAssets(): Promise<Record<AssetName, string>> {
  const load = nodeAssets();
  const out = {} as Record<AssetName, string>;
  for (const name of ASSET_NAMES) {
    const body = await load(name);
    if (typeof body !== "string") {
      throw new EdgeMlError("ERR_BUILD", `the monitor's dashboard asset ${name} is missing`, { hint: "reinstall edge-ml (uPlot comes with it: npm ls uplot)" });
    }
    out[name] = body;
  }
  return out;
}

function renderMonitorWranglerToml(o: {
  name: string;
  database: string;
  databaseId?: string | undefined;
  window?: string | undefined;
  retention?: string | undefined;
}): string {
  const str = JSON.stringify;
  return `# Written by \`edge-ml monitor build --target worker\`. Deploy with \`npx edge-ml monitor deploy\` (or \`npx wrangler deploy\` here).
# The admin token of the dashboard and read API is a secret: \`npx wrangler secret put EDGE_ML_MONITOR_ADMIN_TOKEN\`.
name = ${str(o.name)}
main = ${str(MONITOR_MAIN)}
compatibility_date = "${COMPATIBILITY_DATE}"
# edge-ml already bundled ${MONITOR_MAIN} with esbuild; wrangler uploads it as it is.
no_bundle = true

# The monitor's database. Its schema is migrated by the Worker at first use (monitor/store/d1/migrations.ts).
${o.databaseId ? "" : "# No database_id: wrangler creates (provisions) the database by this name at the first deploy.\n"}[[d1_databases]]
binding = ${str(D1_BINDING)}
database_name = ${str(o.database)}
${o.databaseId ? `database_id = ${str(o.databaseId)}\n` : ""}
# Alert rules are evaluated, due webhooks sent and old data compacted (EDGE_ML_MONITOR_RETENTION) on this schedule.
[triggers]
crons = [${str(CRON)}]

[vars]
EDGE_ML_MONITOR_WINDOW = ${str(o.window ?? "1h")}
${o.retention ? `EDGE_ML_MONITOR_RETENTION = ${str(o.retention)}\n` : ""}`;
}

function fileInfo(outDir: string, path: string, type: BuiltFile["type"]): BuiltFile {
  const bytes = readFileSync(join(outDir, path));
  return { path, type, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
}

export async function buildMonitorWorker(opts: MonitorBuildOptions): Promise<MonitorBuild> {
  const outDir = resolve(opts.outDir);
  const name = opts.name ?? "edge-ml-monitor";
  const database = opts.database ?? name;
  if (opts.retention !== undefined) parseRetention(opts.retention); // a bad policy fails the build, not the Worker
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, ".monitor.entry.ts");
  writeFileSync(
    entry,
    [
      `import { createMonitorWorker } from ${JSON.stringify(workerModule())};`,
      `export default createMonitorWorker({ assets: ${JSON.stringify(await inlineAssets())} });`,
    ].join("\n"),
  );
  try {
    await build({
      entryPoints: { monitor: entry },
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      outdir: outDir,
      minify: opts.minify ?? true,
      legalComments: "none",
      logLevel: "silent",
    });
  } catch (cause) {
    throw new EdgeMlError("ERR_BUILD", `esbuild failed on the monitor Worker: ${(cause as Error).message}`, { cause });
  } finally {
    rmSync(entry, { force: true });
  }
  writeFileSync(
    join(outDir, "wrangler.toml"),
    renderMonitorWranglerToml({ name, database, databaseId: opts.databaseId, window: opts.window, retention: opts.retention }),
  );
  const files = [fileInfo(outDir, MONITOR_MAIN, "ESModule")];
  const result: MonitorBuild = {
    outDir,
    name,
    database,
    main: MONITOR_MAIN,
    files,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
    totalGzipBytes: files.reduce((a, f) => a + f.gzipBytes, 0),
  };
  writeFileSync(join(outDir, "build.json"), `${JSON.stringify({ ...result, outDir: "." }, null, 2)}\n`);
  return result;
}
