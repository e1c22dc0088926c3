/** `edge-ml dev <name>@<version> [--port 8787]`: build the Worker and serve it in workerd on 127.0.0.1. */
import { defineCommand } from "citty";
import { join } from "node:path";
import { parsePort } from "../lib/args.ts";
import { loadConfig } from "../lib/config.ts";
import { buildTarget } from "../lib/bundler.ts";
import { exampleCurl } from "../lib/example-request.ts";
import { bold, dim, formatBytes, green } from "../lib/output.ts";
import { findProjectRoot } from "../lib/project.ts";
import { loadModel } from "../lib/registry.ts";
import { serveWorker } from "../lib/workerd.ts";

export default defineCommand({
  meta: { name: "dev", description: "Build a model's Worker and serve it locally in workerd" },
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    port: { type: "string", description: "port (default: dev.port of the config, 8787; 0 picks a free one)" },
    host: { type: "string", description: "interface to listen on", default: "127.0.0.1" },
  },
  async run({ args }) {
    const root = findProjectRoot();
    const config = await loadConfig(root);
    const { manifest, ref } = loadModel(root, args.ref);
    const build = await buildTarget({ root, ref: `${ref.name}@${ref.version}`, target: "worker", settings: config.edge, outDir: join(root, ".edge-ml", "dev", `${ref.name}-${ref.version}`) });
    const server = await serveWorker(build.outDir, { port: parsePort(args.port, config.dev.port), host: args.host });
    console.log(`${green("✔")} ${bold(`${manifest.name}@${manifest.version}`)} (${manifest.task}) serving in workerd at ${server.url}`);
    console.log(dim(`  bundle ${formatBytes(build.totalBytes)} (gzip ${formatBytes(build.totalGzipBytes)})`));
    console.log(`  try:  ${exampleCurl(server.url, manifest)}`);
    console.log(dim(`  docs: ${server.url}openapi.json   health: ${server.url}v2/health/ready   stop: Ctrl-C`));
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    console.log("stopped");
  },
});
