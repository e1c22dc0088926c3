/**
 * The edge-ml CLI runner: find the command in the tree (commands/tree.ts), print help from its spec, check the
 * command line strictly against the spec, and only then import and run the command's code. Help and usage errors
 * therefore never load esbuild, miniflare or onnxruntime.
 *
 * @example
 * ```sh
 * npx edge-ml models list
 * npx edge-ml dev titanic@1.0.0
 * ```
 */
import { COMMANDS } from "./commands/tree.ts";
import { PACKAGE_VERSION } from "./project/project.ts";
import { EXIT, UsageError } from "./terminal/errors.ts";
import { renderHelp } from "./terminal/help.ts";
import { colors, printError } from "./terminal/output.ts";
import { route } from "./terminal/route.ts";
import { isFamily } from "./terminal/spec.ts";
import { checkArgs } from "./terminal/strict-args.ts";

const wantsHelp = (args: readonly string[]) => args.includes("--help") || args.includes("-h");
const wantsJson = (args: readonly string[]) => args.includes("--json") || args.includes("--json=true");

/** Run the CLI with `argv` (without node and script); returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  // `edge-ml help models add` is `edge-ml models add --help`, as in git and npm.
  const argv = args[0] === "help" ? [...args.slice(1), "--help"] : args;
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    console.log(PACKAGE_VERSION);
    return EXIT.ok;
  }
  const debug = argv.includes("--debug");
  try {
    const { path, node, rest } = route(COMMANDS, argv);
    if (argv.length === 0 || wantsHelp(rest)) {
      console.log(renderHelp(path, node, isFamily(node) ? undefined : await node.spec(), colors(process.stdout)));
      return EXIT.ok;
    }
    if (isFamily(node)) {
      const where = ["edge-ml", ...path].join(" ");
      console.error(renderHelp(path, node, undefined, colors(process.stderr)));
      throw new UsageError(`${where} needs a command: ${Object.keys(node.commands).join(", ")}`, {
        hint: `e.g. npx ${where} ${Object.keys(node.commands)[0]}`,
      });
    }
    const spec = await node.spec();
    const json = "json" in spec.args && wantsJson(rest);
    try {
      checkArgs(["edge-ml", ...path].join(" "), spec, rest);
      await node.run(rest.filter((a) => a !== "--debug"));
    } catch (error) {
      return printError(error, { debug, json });
    }
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    return printError(error, { debug, json: wantsJson(argv) });
  }
}
