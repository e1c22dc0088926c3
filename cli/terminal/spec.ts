/**
 * What the CLI knows about a command without loading its code. The tree holds every command's name and description
 * (enough for `edge-ml --help` and a family's help); a command's arguments (citty's `ArgsDef`, the same object its
 * `defineCommand` uses) sit in a light spec module loaded only for that command's help and strict argument check. So
 * help never imports esbuild, miniflare or better-sqlite3, and the top-level help loads no spec at all.
 *
 * @example
 * ```ts
 * export const BUILD = defineSpec({ args: { ref: { type: "positional", required: true, description: "name@version" } } });
 * lazyCommand("Bundle a model version", () => import("./spec/build.ts").then((m) => m.BUILD), () => import("./build.ts"));
 * ```
 */
import { type ArgsDef, type CommandDef, runCommand } from "citty";

export interface LeafSpec<A extends ArgsDef = ArgsDef> {
  args: A;
  /** Flags that may be given more than once (read with `repeated()`); any other flag given twice is an error. */
  repeatable?: readonly string[];
}

/** A node of the command tree: a runnable command, or a family of subcommands (with an optional default). */
export type CommandNode =
  | { description: string; spec: () => Promise<LeafSpec>; run: (rawArgs: string[]) => Promise<void> }
  | { description: string; commands: Readonly<Record<string, CommandNode>>; default?: string };

/** Identity helper that keeps the literal types of `args`, so `defineCommand({ args: SPEC.args })` stays typed. */
export function defineSpec<const A extends ArgsDef>(spec: LeafSpec<A>): LeafSpec<A> {
  return spec;
}

/** A leaf of the tree: its spec is imported for its help and argument check, its code only when it runs. */
export function lazyCommand<A extends ArgsDef>(
  description: string,
  spec: () => Promise<LeafSpec<A>>,
  load: () => Promise<{ default: CommandDef<A> }>,
): CommandNode {
  return {
    description,
    spec,
    async run(rawArgs) {
      await runCommand((await load()).default, { rawArgs });
    },
  };
}

export function isFamily(node: CommandNode): node is Extract<CommandNode, { commands: unknown }> {
  return "commands" in node;
}
