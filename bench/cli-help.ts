/**
 * `edge-ml --help` wall time: spawn `node cli/bin.mjs <args> --help` N times per command line (a fresh process each
 * time, as a user runs it) and report median and p95 in ms, with a bare `node -e 0` as the floor. Target: under 1 s.
 * In a checkout bin.mjs runs the TypeScript sources through tsx; an installed package runs the compiled dist/, timed
 * too when dist/ is newer than the sources (`npm run build`).
 * Run alone with `npx tsx bench/cli-help.ts [runs]` (writes bench/results/cli-help.{json,md}, with the load average,
 * since other work on the machine moves these numbers most) or as part of `npm run bench`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { quantile, round } from "./stats.ts";

export interface CliHelpRow {
  command: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
}

const COMMAND_LINES = [["--help"], ["models", "--help"], ["deploy", "--help"], ["monitor", "token", "create", "--help"]];

function time(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: join(import.meta.dirname, ".."), env: { ...process.env, NO_COLOR: "1" }, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return performance.now() - start;
}

/** A command line running the compiled CLI the way bin.mjs does when installed, if dist/ is fresh. */
function compiled(): string | undefined {
  const root = join(import.meta.dirname, "..");
  const js = join(root, "dist", "cli", "index.js");
  if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(root, "cli", "index.ts")).mtimeMs) return undefined;
  return `const { main } = await import(${JSON.stringify(js)}); process.exitCode = await main(process.argv.slice(1));`;
}

export function benchCliHelp(runs = 15): CliHelpRow[] {
  const bin = join(import.meta.dirname, "..", "cli", "bin.mjs");
  const js = compiled();
  const lines: [string, string[]][] = [
    ["node -e 0 (floor)", ["-e", "0"]],
    ...COMMAND_LINES.map((a): [string, string[]] => [`edge-ml ${a.join(" ")}`, [bin, ...a]]),
    ...(js ? COMMAND_LINES.map((a): [string, string[]] => [`edge-ml ${a.join(" ")} (compiled dist/)`, ["--input-type=module", "-e", js, ...a]]) : []),
  ];
  return lines.flatMap(([command, args]) => {
    try {
      time(args); // warm the OS file cache and tsx's transform cache: what a user sees from the second run on
      const ms = Array.from({ length: runs }, () => time(args));
      return [{ command, runs, medianMs: round(quantile(ms, 0.5), 1), p95Ms: round(quantile(ms, 0.95), 1) }];
    } catch (error) {
      // dist/ can be half-written while `npm run build` runs: report the sources and skip the compiled rows.
      if (!command.endsWith("(compiled dist/)")) throw error;
      console.error(`cli-help: skipped ${command}: ${(error as Error).message}`);
      return [];
    }
  });
}

export function renderCliHelp(rows: readonly CliHelpRow[]): string {
  return [
    "## CLI help (fresh process per run; target: under 1 s)",
    "",
    "| command | runs | median (ms) | p95 (ms) |",
    "|---|---|---|---|",
    ...rows.map((r) => `| \`${r.command}\` | ${r.runs} | ${r.medianMs} | ${r.p95Ms} |`),
    "",
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = benchCliHelp(Number(process.argv[2] ?? 15));
  const result = { date: new Date().toISOString(), machine: { node: process.version, cpus: cpus().length, load: loadavg()[0] }, cliHelp: rows };
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cli-help.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, "cli-help.md"), renderCliHelp(rows));
  console.log(JSON.stringify(result, null, 2));
  console.log(renderCliHelp(rows));
}
