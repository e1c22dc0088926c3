/**
 * Help comes from the command tree's specs, never from the commands' code: run as a real process with a loader hook
 * that throws on any import of miniflare, better-sqlite3, esbuild, kysely, onnxruntime or wrangler from edge-ml's own
 * code. (Its speed is measured in bench/cli-help.ts, not here.)
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../cli/commands/tree.ts";
import { isFamily } from "../../../cli/terminal/spec.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

/**
 * Loaded with `node --import`: an import of a heavy dependency from edge-ml's own code throws. (Imports from inside
 * node_modules are let through: tsx itself uses esbuild to run the sources of a checkout.)
 */
const HOOKS = `
const HEAVY = /(^|[\\\\/])(miniflare|better-sqlite3|esbuild|kysely|onnxruntime-node|onnxruntime-web|wrangler|workerd)([\\\\/]|$)/;
export async function resolve(specifier, context, next) {
  const ours = context.parentURL !== undefined && !context.parentURL.includes("/node_modules/");
  if (ours && HEAVY.test(specifier)) throw new Error("heavy module imported during help: " + specifier + " from " + context.parentURL);
  return next(specifier, context);
}`;
const GUARD = `data:text/javascript,${encodeURIComponent(
  `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`,
)}`;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", GUARD, join(REPO_ROOT, "cli", "bin.mjs"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("--help loads no command code", () => {
  it("the guard itself works: running a command that bundles trips it", () => {
    const r = cli(["build", "titanic@1.0.0", "--out", join(REPO_ROOT, "dist", "never")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("heavy module imported during help: esbuild");
  });

  it("edge-ml --help lists every command and subcommand", () => {
    const r = cli(["--help"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const [name, node] of Object.entries(COMMANDS.commands)) {
      const line = r.stdout.split("\n").find((l) => l.trimStart().startsWith(`${name} `) || l.trim() === name);
      expect(line, name).toBeDefined();
      if (isFamily(node)) for (const sub of Object.keys(node.commands)) expect(line).toContain(sub);
    }
    expect(r.stdout).toContain("Exit codes: 0 done, 1 error or failed check, 2 wrong command line, 70 internal error.");
  });

  it.each(["models", "deploy", "monitor token create", "dev", "data validate"])("edge-ml %s --help", (command) => {
    const words = command.split(" ");
    const r = cli([...words, "--help"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: edge-ml ${words.join(" ")}`);
  });

  it("deploy's help names its flags, with the global ones", () => {
    expect(cli(["deploy", "-h"]).stdout).toMatchInlineSnapshot(`
      "Deploy a blessed model version: gate, build, wrangler deploy, register with the monitor, move champion

      Usage: edge-ml deploy <ref> [flags]

      Arguments:
        <ref>  name@version (or name@alias)

      Flags:
        --target <value>           deploy target: worker (default worker)
        --dry-run                  build and run \`wrangler deploy --dry-run\`, show what the feature views would write; upload and write nothing, move no alias
        --gradual <share>          share the traffic with the champion by the platform: upload both as Worker versions and split them (e.g. 10% or 0.1; sticky by Cloudflare-Workers-Version-Key); the champion alias stays
        --force                    deploy a version that is not blessed (needs --reason; recorded in deploys.log.jsonl)
        --reason <value>           why the gate is overridden (with --force)
        --out <value>              build folder (default dist/<name>-<version>-<target>)
        --env <name>               wrangler environment: its own Worker (targets.worker.env.<name>.name, else <worker>-<name>), routes and vars
        --admin-token-file <file>  file holding the monitor's admin token, or - for stdin (default: $EDGE_ML_MONITOR_ADMIN_TOKEN)
        --variant <name>           serve an optimized variant of the version (see \`edge-ml optimize\`, \`models show\`)
        --engine <value>           inference engine: auto (compiled JS when every op is supported and it matches onnxruntime-node within 1e-5, else ort; a TF.js model: tfjs) | ort (onnxruntime-web wasm) | compiled | tfjs (TensorFlow.js, for TF.js models; servers run WASM when it agrees with CPU) | tfjs-wasm | tfjs-cpu (a server's TF.js backend, unchecked) (default auto)
        --json                     print the result as one JSON document on stdout (progress stays on stderr)
        -h, --help                 show help
        --debug                    print stacks of errors
      "
    `);
  });

  it("usage errors load no command code either", () => {
    const r = cli(["deploy", "m@1.0.0", "--dryrun"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean --dry-run?");
  });
});
