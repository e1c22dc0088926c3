/**
 * The strict check of a command line against a command's argument spec, run once by the runner before any command
 * code is loaded: citty accepts unknown flags silently (`deploy --dryrun` would deploy for real), so every flag must
 * be declared, a value flag needs its value, a flag is given once unless the spec says it repeats, positionals are
 * counted, and required ones are present. Accepts what citty's parser accepts: `--flag value`, `--flag=value`,
 * `--no-<boolean>`, camelCase spellings, aliases, and `--` before positionals.
 *
 * @example
 * ```ts
 * checkArgs("edge-ml deploy", DEPLOY, ["m@1.0.0", "--dryrun"]); // throws UsageError: unknown flag --dryrun (did you mean --dry-run?)
 * ```
 */
import type { ArgDef } from "citty";
import { UsageError } from "./errors.ts";
import type { LeafSpec } from "./spec.ts";
import { closest } from "./suggest.ts";

/** Flags every command takes. */
export const GLOBAL_ARGS = {
  help: { type: "boolean", alias: "h", description: "show help" },
  debug: { type: "boolean", description: "print stacks of errors" },
} as const satisfies Record<string, ArgDef>;

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const isFlag = (token: string) => token.startsWith("-") && token !== "-" && !/^-\d/.test(token);

type Flags = [string, ArgDef][];

export function checkArgs(command: string, spec: LeafSpec, rawArgs: readonly string[]): void {
  const all: Record<string, ArgDef> = { ...GLOBAL_ARGS, ...spec.args };
  const flags: Flags = Object.entries(all).filter(([, d]) => d.type !== "positional");
  const help = `npx ${command} --help lists its arguments`;
  const { seen, given } = scan(command, flags, rawArgs, help);
  for (const [name, count] of seen) {
    if (count > 1 && !(spec.repeatable ?? []).includes(name) && name !== "debug" && name !== "help")
      throw new UsageError(`--${name} is given ${count} times`, { hint: "give it once (only the last value would count)" });
  }
  if (seen.has("help")) return;
  checkPositionals(command, spec, given, help);
  for (const [name, def] of flags) {
    if (def.required === true && def.default === undefined && !seen.has(name))
      throw new UsageError(`${command} needs --${name}${def.description ? `: ${def.description}` : ""}`, { hint: help });
  }
}

/** Walk the tokens: every flag must be known and get its value; returns how often each flag came and the positionals. */
function scan(command: string, flags: Flags, rawArgs: readonly string[], help: string): { seen: Map<string, number>; given: string[] } {
  const seen = new Map<string, number>();
  const given: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i] ?? "";
    if (token === "--") {
      given.push(...rawArgs.slice(i + 1));
      break;
    }
    if (!isFlag(token)) {
      given.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const written = eq === -1 ? token : token.slice(0, eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    const found = findFlag(flags, written);
    if (!found) {
      const names = flags.flatMap(([name, d]) => [`--${name}`, ...aliases(d).map((a) => (a.length === 1 ? `-${a}` : `--${a}`))]);
      const guess = closest(written, names);
      throw new UsageError(`unknown flag ${written} for ${command}${guess ? ` (did you mean ${guess}?)` : ""}`, { hint: help });
    }
    const [name, def] = found;
    seen.set(name, (seen.get(name) ?? 0) + 1);
    if (def.type === "boolean") {
      if (inline !== undefined && inline !== "true" && inline !== "false")
        throw new UsageError(`${written} is a switch: it takes no value (got "${inline}")`, { hint: `write ${written} alone, or ${written}=false` });
    } else if (inline === undefined) {
      // A value may start with one dash (`-` for stdin, `-3`), never with two: `--out --json` lost its value.
      const next = rawArgs[i + 1];
      if (next === undefined || next.startsWith("--"))
        throw new UsageError(`${written} needs a value`, { hint: def.description ? `${written}: ${def.description}` : help });
      i++;
    }
  }
  return { seen, given };
}

function checkPositionals(command: string, spec: LeafSpec, given: readonly string[], help: string): void {
  const positionals = Object.entries(spec.args).filter(([, d]) => d.type === "positional");
  if (given.length > positionals.length) {
    const extra = given.slice(positionals.length);
    const expected = positionals.length === 0 ? "no arguments" : positionals.map(([n]) => `<${n}>`).join(" ");
    throw new UsageError(`unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((a) => JSON.stringify(a)).join(", ")} for ${command}`, {
      hint: `${command} takes ${expected}; quote values with spaces, and put flags' values right after them`,
    });
  }
  positionals.forEach(([name, def], i) => {
    if (given[i] === undefined && def.required !== false && def.default === undefined)
      throw new UsageError(`${command} needs <${name}>${def.description ? `: ${def.description}` : ""}`, { hint: help });
  });
}

/** A flag's other names (`h` for `help`); positionals have none. */
export function aliases(def: ArgDef): string[] {
  const alias = "alias" in def ? def.alias : undefined;
  if (alias === undefined) return [];
  return Array.isArray(alias) ? alias : [alias];
}

function findFlag(flags: Flags, written: string): [string, ArgDef] | undefined {
  const bare = written.replace(/^--?/, "");
  const short = !written.startsWith("--");
  for (const entry of flags) {
    const [name, def] = entry;
    if (aliases(def).includes(bare)) return entry;
    if (short) continue;
    if (name === bare || name === kebab(bare)) return entry;
  }
  if (short || !bare.startsWith("no-")) return undefined;
  // `--no-<flag>` turns a boolean off (citty's convention); it is not a way to unset a value flag.
  const negated = findFlag(flags, `--${bare.slice(3)}`);
  return negated && negated[1].type === "boolean" ? negated : undefined;
}
