/**
 * `edge-ml dev <name>@<version> [--port 8787] [--monitor <url> --token <t>]`: build the model's Worker and serve it in
 * workerd on 127.0.0.1. Telemetry goes to the monitor given, or, without `--monitor`, to a local monitor started here
 * (SQLite in .edge-ml/monitor.db) so the dashboard shows live traffic at once.
 */
import { defineCommand } from "citty";
import { join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { parsePort } from "../terminal/args.ts";
import { buildTarget } from "../build/bundle.ts";
import { loadConfig } from "../project/config.ts";
import { exampleCurl } from "../../core/example-request.ts";
import { bold, dim, formatBytes, green, yellow } from "../terminal/output.ts";
import { findProjectRoot } from "../project/project.ts";
import { loadModel } from "../registry/registry.ts";
import { serveDeno } from "../../targets/deno/serve.ts";
import { serveWorker } from "../../targets/worker/serve.ts";

export default defineCommand({
  meta: { name: "dev", description: "Build a model's Worker and serve it locally in workerd, with live telemetry" },
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    port: { type: "string", description: "port (default: dev.port of the config, 8787; 0 picks a free one)" },
    host: { type: "string", description: "interface to listen on", default: "127.0.0.1" },
    monitor: { type: "string", description: "monitor URL to send telemetry to (default: start a local one)" },
    token: { type: "string", description: "ingest token for --monitor (edge-ml monitor token create <deployment>)" },
    "monitor-port": { type: "string", description: "port of the local monitor (default 8788; 0 picks a free one)" },
    "no-monitor": { type: "boolean", description: "send no telemetry" },
    "sample-rate": { type: "string", description: "fraction of requests kept as sampled rows (default 1 in dev)", default: "1" },
    deployment: { type: "string", description: "deployment name in the monitor (default <name>-dev)" },
    target: { type: "string", description: "worker (workerd via miniflare) or deno (the deno binary)", default: "worker" },
  },
  async run({ args, rawArgs }) {
    const root = findProjectRoot();
    const config = await loadConfig(root);
    const { manifest, ref } = loadModel(root, args.ref);
    const deployment = args.deployment ?? `${manifest.name}-dev`;
    const sampleRate = Number(args["sample-rate"]);
    if (!(sampleRate >= 0 && sampleRate <= 1))
      throw new EdgeMlError("ERR_USAGE", `--sample-rate ${args["sample-rate"]} is not in 0..1`, { hint: "e.g. --sample-rate 0.05" });

    let monitorUrl: string | undefined;
    let token: string | undefined;
    let closeMonitor = async () => {};
    if (args.monitor) {
      if (!args.token)
        throw new EdgeMlError("ERR_USAGE", "--monitor needs --token", { hint: `create one with: npx edge-ml monitor token create ${deployment}` });
      monitorUrl = args.monitor;
      token = args.token;
    } else if (!args["no-monitor"] && !rawArgs.includes("--no-monitor")) {
      const { startMonitor } = await import("../../monitor/server.ts");
      const { createToken } = await import("../../monitor/tokens.ts");
      const monitor = await startMonitor({ port: parsePort(args["monitor-port"], 8788), host: "127.0.0.1", dbFile: join(root, ".edge-ml", "monitor.db") });
      token = (await createToken(monitor.store, deployment)).token;
      monitorUrl = monitor.url;
      closeMonitor = () => monitor.close();
    }

    if (args.target !== "worker" && args.target !== "deno") {
      throw new EdgeMlError("ERR_USAGE", `--target ${args.target} cannot be served by edge-ml dev`, { hint: "Should be one of: worker, deno" });
    }
    const target = args.target;
    const build = await buildTarget({
      root,
      ref: `${ref.name}@${ref.version}`,
      target,
      settings: config.edge,
      outDir: join(root, ".edge-ml", "dev", `${ref.name}-${ref.version}-${target}`),
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
    // ── ML monitoring (issue 4): register the model's baseline with the monitor, for drift, slices and default alerts.
    // A failure only warns: predictions and counters flow without it, and the baseline can be registered later.
    if (monitorUrl) {
      const { registerBaseline, registrationFromManifest } = await import("../../monitor/registration.ts");
      const registration = registrationFromManifest(manifest);
      const r = registration ? await registerBaseline(monitorUrl, deployment, registration, process.env["EDGE_ML_MONITOR_ADMIN_TOKEN"]) : undefined;
      if (r) console.log(r.ok ? dim(`  monitor: ${r.message}`) : yellow(`  ! monitor: ${r.message}`));
    }
    // ── end of ML monitoring
    const port = parsePort(args.port, config.dev.port);
    const server =
      target === "deno"
        ? await serveDeno(build.outDir, { port, host: args.host, env: bindings })
        : await serveWorker(build.outDir, { port, host: args.host, bindings });
    console.log(
      `${green("✔")} ${bold(`${manifest.name}@${manifest.version}`)} (${manifest.task}) serving in ${target === "deno" ? "deno" : "workerd"} at ${server.url}`,
    );
    console.log(dim(`  bundle ${formatBytes(build.totalBytes)} (gzip ${formatBytes(build.totalGzipBytes)})`));
    if (monitorUrl)
      console.log(`  telemetry → ${monitorUrl} as deployment "${deployment}" (sample rate ${sampleRate})${args.monitor ? "" : `; dashboard: ${monitorUrl}/`}`);
    console.log(`  try:  ${exampleCurl(server.url, manifest)}`);
    console.log(dim(`  docs: ${server.url}openapi.json   health: ${server.url}v2/health/ready   stop: Ctrl-C`));
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await server.close();
    await closeMonitor();
    console.log("stopped");
  },
});
