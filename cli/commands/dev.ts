/**
 * `edge-ml dev <name>@<version> [--port 8787] [--monitor <url> [--token-file <file>]]`: build the model's Worker and serve it in
 * workerd on 127.0.0.1. Telemetry goes to the monitor given, or, without `--monitor`, to a local monitor started here
 * (SQLite in .edge-ml/monitor.db) so the dashboard shows live traffic at once. `--challenger <ref> --canary <share>`
 * or `--shadow` (or the config's rollout, when the champion is served) serves a challenger version beside it.
 */
import { defineCommand } from "citty";
import { rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parsePort } from "../terminal/args.ts";
import { buildTarget, targetConfig } from "../build/bundle.ts";
import { loadConfig } from "../project/config.ts";
import { exampleBody, exampleCurl, exampleInstance } from "../../core/example-request.ts";
import { bold, colors, dim, formatBytes, green, yellow } from "../terminal/output.ts";
import { findProjectRoot } from "../project/project.ts";
import { readSecret } from "../terminal/secret.ts";
import { UsageError } from "../terminal/errors.ts";
import { resolveRollout, rolloutLine } from "../dev/rollout.ts";
import { devBuildDir } from "../dev/build-dir.ts";
import { devTelemetry } from "../dev/telemetry.ts";
import { choice } from "../terminal/args.ts";
import { ENGINES } from "./spec/build.ts";
import { DEV } from "./spec/dev.ts";
import { loadServable } from "../registry/variant.ts";
import { registerBaseline, registrationFromManifest } from "../../monitor/registration.ts";
import { getTarget, type TargetName } from "../../targets/index.ts";
import { LOCAL_STORE_ID, localPersist } from "../features/local-store.ts";

/** An example request longer than this is written to a file rather than printed in the "try:" line. */
const MAX_PRINTED_BODY = 2000;

export default defineCommand({
  args: DEV.args,
  async run({ args, rawArgs }) {
    const root = findProjectRoot();
    const config = await loadConfig(root);
    // The rollout first: with a challenger, a ref without a version means the champion.
    const served = resolveRollout(root, args.ref, config, { challenger: args.challenger, canary: args.canary, shadow: args.shadow, sticky: args.sticky });
    const { manifest, ref } = loadServable(root, served.ref, args.variant);
    const sampleRate = Number(args["sample-rate"]);
    if (!(sampleRate >= 0 && sampleRate <= 1)) throw new UsageError(`--sample-rate ${args["sample-rate"]} is not in 0..1`, { hint: "e.g. --sample-rate 0.05" });

    // Telemetry: the monitor, its token (env, file or stdin: never argv) and the deployment the token names.
    const telemetry =
      args["no-monitor"] || rawArgs.includes("--no-monitor")
        ? undefined
        : await devTelemetry({
            root,
            model: manifest.name,
            monitorUrl: args.monitor,
            token: args.monitor ? await readSecret({ flag: "token", env: "EDGE_ML_MONITOR_TOKEN", value: args.token, file: args["token-file"] }) : undefined,
            deployment: args.deployment,
            monitorPort: parsePort(args["monitor-port"], 8788),
            warn: (m) => console.error(colors(process.stderr).yellow(`  ! monitor: ${m}`)),
          });
    const monitorUrl = telemetry?.monitorUrl;
    const token = telemetry?.token;
    const deployment = telemetry?.deployment ?? args.deployment ?? `${manifest.name}-dev`;
    const closeMonitor = async () => telemetry?.close();

    const host = getTarget(args.target, "dev");
    const target = args.target as TargetName;
    const build = await buildTarget({
      root,
      ref: `${ref.name}@${ref.version}`,
      target,
      settings: config.edge,
      config: targetConfig(config, target),
      variant: args.variant,
      engine: choice("engine", args.engine, ENGINES),
      // A folder of this process's own: another dev (of this model too) may be serving from its folder.
      outDir: devBuildDir(root, `${ref.name}-${manifest.version}${served.rollout ? `-with-${served.rollout.challenger.split("@")[1]}` : ""}-${target}`),
      rollout: served.rollout ?? null,
    });
    const bindings: Record<string, string> =
      monitorUrl && token
        ? {
            EDGE_ML_MONITOR_URL: monitorUrl,
            EDGE_ML_MONITOR_TOKEN: token,
            EDGE_ML_DEPLOYMENT: deployment,
            EDGE_ML_SAMPLE_RATE: String(sampleRate),
            EDGE_ML_FLUSH_INTERVAL_MS: "2000",
          }
        : {};
    // Register each served version's baseline with the monitor, for drift, slices and default alerts.
    // A failure only warns: predictions and counters flow without it, and the baseline can be registered later.
    if (monitorUrl) {
      const versions = [manifest, ...(served.rollout ? [loadServable(root, served.rollout.challenger).manifest] : [])];
      for (const m of versions) {
        const registration = registrationFromManifest(m);
        const r = registration ? await registerBaseline(monitorUrl, deployment, registration, process.env["EDGE_ML_MONITOR_ADMIN_TOKEN"]) : undefined;
        if (r) console.log(r.ok ? dim(`  monitor: ${r.message}`) : yellow(`  ! monitor: ${r.message}`));
      }
    }
    const port = parsePort(args.port, config.dev.port);
    const serve = await host.serve!.load();
    // Looked-up features come from the local store `edge-ml features push` writes (.edge-ml/features/).
    const localFeatures = { ...localPersist(root), id: LOCAL_STORE_ID, dir: join(root, ".edge-ml", "features") };
    const server = await serve(build.outDir, { port, host: args.host, env: bindings, localFeatures });
    console.log(`${green("✔")} ${bold(`${manifest.name}@${manifest.version}`)} (${manifest.task}) serving in ${host.serve!.runtime} at ${server.url}`);
    if (served.rollout) console.log(`  ${rolloutLine(served.rollout)}; each answer names its version in x-edge-ml-version`);
    console.log(dim(`  bundle ${formatBytes(build.totalBytes)} (gzip ${formatBytes(build.totalGzipBytes)})`));
    console.log(dim(`  engine: ${build.engine.name} (${build.engine.reason})`));
    if (build.lookup) {
      for (const [view, v] of Object.entries(build.lookup.views))
        console.log(
          `  features ${v.features.join(", ")} looked up in view "${view}" (${v.store}) by ${v.key}, from the local store (edge-ml features push ${view} <csv>)`,
        );
      // The same request by key: the looked-up features replaced by their views' keys (any key that was pushed).
      const looked = new Set(Object.values(build.lookup.views).flatMap((v) => v.features));
      const instance = Object.entries(exampleInstance(manifest) as Record<string, unknown>).filter(([name]) => !looked.has(name));
      for (const v of Object.values(build.lookup.views)) if (!instance.some(([name]) => name === v.key)) instance.unshift([v.key, `<${v.key}>`]);
      const body = JSON.stringify({ instances: [Object.fromEntries(instance)] });
      console.log(`  by key: curl -s ${server.url}v1/models/${manifest.name}:predict -H 'content-type: application/json' -d '${body}'`);
    }
    if (monitorUrl)
      console.log(`  telemetry → ${monitorUrl} as deployment "${deployment}" (sample rate ${sampleRate})${args.monitor ? "" : `; dashboard: ${monitorUrl}/`}`);
    const body = exampleBody(manifest);
    if (body.length <= MAX_PRINTED_BODY) console.log(`  try:  ${exampleCurl(server.url, manifest)}`);
    else {
      // Printed, a 256x256 image of zeros is 0.5 MB of terminal: the body goes into the dev's folder (gone on stop).
      const file = join(build.outDir, "example-request.json");
      writeFileSync(file, body);
      console.log(`  try:  ${exampleCurl(server.url, manifest, relative(process.cwd(), file))}`);
      console.log(dim(`        (an example request of ${formatBytes(body.length)}, all zeros: too long to print, so it is in that file)`));
    }
    console.log(dim(`  docs: ${server.url}openapi.json   health: ${server.url}v2/health/ready   stop: Ctrl-C`));
    // miniflare's own SIGINT/SIGTERM handlers exit at once (130/143): the monitor's last batch would never be sent and
    // "stopped" never printed. dev shuts down itself instead: the server (miniflare.dispose() stops workerd), then the
    // telemetry.
    process.removeAllListeners("SIGINT");
    process.removeAllListeners("SIGTERM");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await server.close();
    await closeMonitor();
    rmSync(build.outDir, { recursive: true, force: true });
    console.log("stopped");
  },
});
