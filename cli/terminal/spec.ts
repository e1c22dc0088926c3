/**
 * What the CLI knows about a command without loading it: its description, its arguments (citty's `ArgsDef`, the same
 * object the command's `defineCommand` uses) and, for a family, its subcommands. Help and the strict argument check
 * read only this, so `edge-ml --help` never imports esbuild, miniflare or better-sqlite3.
 *
 * @example
 * ```ts
 * export const BUILD = defineSpec({
 *   description: "Bundle a model version into an edge function",
 *   args: { ref: { type: "positional", required: true, description: "name@version" } },
 * });
 * ```
 */
import { type ArgsDef, type CommandDef, runCommand } from "citty";

export interface LeafSpec<A extends ArgsDef = ArgsDef> {
  description: string;
  args: A;
  /** Flags that may be given more than once (read with `repeated()`); any other flag given twice is an error. */
  repeatable?: readonly string[];
}

/** A node of the command tree: a runnable command, or a family of subcommands (with an optional default). */
export type CommandNode =
  | (LeafSpec & { run: (rawArgs: string[]) => Promise<void> })
  | { description: string; commands: Readonly<Record<string, CommandNode>>; default?: string };

/** Identity helper that keeps the literal types of `args`, so `defineCommand({ args: SPEC.args })` stays typed. */
export function defineSpec<const A extends ArgsDef>(spec: LeafSpec<A>): LeafSpec<A> {
  return spec;
}

/** A leaf of the tree whose code is imported only when it runs. */
export function lazyCommand<A extends ArgsDef>(spec: LeafSpec<A>, load: () => Promise<{ default: CommandDef<A> }>): CommandNode {
  return {
    ...spec,
    async run(rawArgs) {
      await runCommand((await load()).default, { rawArgs });
    },
  };
}

export function isFamily(node: CommandNode): node is Extract<CommandNode, { commands: unknown }> {
  return "commands" in node;
}
