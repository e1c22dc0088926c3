/**
 * The edge-ml CLI: one file per command in `cli/commands/`, registered lazily here so that `edge-ml --help`
 * does not load esbuild, miniflare or onnxruntime.
 *
 * @example
 * ```sh
 * npx edge-ml models list
 * npx edge-ml dev titanic@1.0.0
 * ```
 */
import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { readFileSync } from "node:fs";
import { printError } from "./terminal/output.ts";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

const lazy = (load: () => Promise<{ default: CommandDef<any> }>) => async () => (await load()).default;

export const root = defineCommand({
  meta: { name: "edge-ml", version: pkg.version, description: "Ship ML models to the edge: registry, validation, builds, monitoring." },
  subCommands: {
    init: lazy(() => import("./commands/init.ts")),
    models: lazy(() => import("./commands/models.ts")),
    build: lazy(() => import("./commands/build.ts")),
    dev: lazy(() => import("./commands/dev.ts")),
    monitor: lazy(() => import("./commands/monitor.ts")),
    replay: lazy(() => import("./commands/replay.ts")),
    data: lazy(() => import("./commands/data.ts")),
    validate: lazy(() => import("./commands/validate.ts")),
    deploy: lazy(() => import("./commands/deploy.ts")),
  },
});

/** Run the CLI with `argv` (without node and script); returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    console.log(pkg.version);
    return 0;
  }
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    const [cmd, parent] = await resolveForHelp(argv.filter((a) => a !== "--help" && a !== "-h"));
    await showUsage(cmd, parent);
    return 0;
  }
  try {
    await runCommand(root, { rawArgs: argv });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return printError(error, argv.includes("--debug"));
  }
}

async function resolveForHelp(argv: string[]): Promise<[CommandDef<any>, CommandDef<any> | undefined]> {
  let cmd: CommandDef<any> = root;
  let parent: CommandDef<any> | undefined;
  for (const word of argv) {
    const subs = typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
    const next = subs?.[word];
    if (next === undefined) break;
    parent = cmd;
    cmd = typeof next === "function" ? await next() : await next;
  }
  return [cmd, parent];
}
