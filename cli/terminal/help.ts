/**
 * Help text rendered from the command tree's specs (never from the commands' code, which would load esbuild,
 * miniflare and better-sqlite3 just to print descriptions), coloured only when the stream it goes to is a terminal.
 *
 * @example
 * ```ts
 * console.log(renderHelp(["models"], COMMANDS.commands.models, undefined, colors(process.stdout)));
 * ```
 */
import type { ArgDef } from "citty";
import type { Colors } from "./output.ts";
import { type CommandNode, isFamily, type LeafSpec } from "./spec.ts";
import { aliases, GLOBAL_ARGS } from "./strict-args.ts";

const table = (rows: [string, string][]) => {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd());
};

function flagRow(name: string, def: ArgDef, c: Colors): [string, string] {
  const alias = aliases(def)
    .map((a) => (a.length === 1 ? `-${a}, ` : `--${a}, `))
    .join("");
  const value = def.type === "boolean" ? "" : ` <${def.valueHint ?? "value"}>`;
  const notes = [def.required === true && def.default === undefined ? "required" : "", def.default !== undefined ? `default ${String(def.default)}` : ""];
  const extra = notes.filter(Boolean).join(", ");
  return [`${alias}--${name}${value}`, `${def.description ?? ""}${extra ? c.dim(` (${extra})`) : ""}`];
}

/** Help of a family (from the tree alone) or of a command (`spec`: its loaded arguments). */
export function renderHelp(path: readonly string[], node: CommandNode, spec: LeafSpec | undefined, c: Colors): string {
  const name = ["edge-ml", ...path].join(" ");
  const lines = [node.description, ""];
  if (isFamily(node)) {
    lines.push(`${c.bold("Usage:")} ${name} <command> [flags]`, "", c.bold("Commands:"));
    const rows: [string, string][] = Object.entries(node.commands).map(([word, sub]) => {
      const subs = isFamily(sub) ? ` ${Object.keys(sub.commands).join("|")}` : "";
      return [`${word}${subs}${node.default === word ? " (default)" : ""}`, sub.description];
    });
    lines.push(...table(rows), "", `Run \`${name} <command> --help\` for a command's arguments.`);
    if (path.length === 0) lines.push("Exit codes: 0 done, 1 error or failed check, 2 wrong command line, 70 internal error.");
    return lines.join("\n");
  }
  const args = Object.entries(spec?.args ?? {});
  const positionals = args.filter(([, d]) => d.type === "positional");
  const usage = positionals.map(([n, d]) => (d.required === false ? `[${n}]` : `<${n}>`)).join(" ");
  lines.push(`${c.bold("Usage:")} ${name}${usage ? ` ${usage}` : ""} [flags]`);
  if (positionals.length > 0) lines.push("", c.bold("Arguments:"), ...table(positionals.map(([n, d]) => [`<${n}>`, d.description ?? ""])));
  const flags = args.filter(([, d]) => d.type !== "positional").map(([n, d]) => flagRow(n, d, c));
  lines.push("", c.bold("Flags:"), ...table([...flags, ...Object.entries(GLOBAL_ARGS).map(([n, d]) => flagRow(n, d, c))]));
  const repeatable = spec?.repeatable ?? [];
  if (repeatable.length > 0) lines.push("", c.dim(`Repeatable: ${repeatable.map((r) => `--${r}`).join(", ")}.`));
  return lines.join("\n");
}
