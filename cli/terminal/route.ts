/**
 * Find the command a command line names in the command tree, before anything is loaded: `models add x.onnx` ▶ the
 * `add` leaf with `["x.onnx"]`. An unknown word where a command is expected is a usage error with a suggestion; a
 * family given a flag or nothing runs its default command when it has one (`monitor --port 0` is `monitor serve`).
 *
 * @example
 * ```ts
 * route(COMMANDS, ["modles", "list"]); // throws UsageError: unknown command "modles" (did you mean models?)
 * ```
 */
import { UsageError } from "./errors.ts";
import { type CommandNode, isFamily } from "./spec.ts";
import { closest } from "./suggest.ts";

export interface Route {
  /** Command words, e.g. ["models", "add"]. */
  path: string[];
  node: CommandNode;
  /** What the command itself parses: its positionals and flags (flags written before the command words included). */
  rest: string[];
}

const GLOBAL_FLAGS = new Set(["--help", "-h", "--debug"]);

export function route(root: CommandNode, argv: readonly string[]): Route {
  let node = root;
  const path: string[] = [];
  const before: string[] = [];
  let i = 0;
  while (isFamily(node)) {
    while (i < argv.length && GLOBAL_FLAGS.has(argv[i] ?? "")) before.push(argv[i++] ?? "");
    const word = argv[i];
    const help = before.includes("--help") || before.includes("-h");
    if (word === undefined || word.startsWith("-")) {
      // `monitor --port 0` is `monitor serve --port 0`, but `monitor --help` describes the family.
      const fallback = node.default === undefined || (help && word === undefined) ? undefined : node.commands[node.default];
      if (fallback === undefined) break;
      path.push(node.default ?? "");
      node = fallback;
      continue;
    }
    const next = node.commands[word];
    if (next === undefined) {
      const where = ["edge-ml", ...path].join(" ");
      const guess = closest(word, Object.keys(node.commands));
      throw new UsageError(`unknown command "${word}" for ${where}${guess ? ` (did you mean ${guess}?)` : ""}`, {
        hint: `${where} has: ${Object.keys(node.commands).join(", ")}; see \`npx ${where} --help\``,
      });
    }
    path.push(word);
    node = next;
    i++;
  }
  return { path, node, rest: [...before, ...argv.slice(i)] };
}
