/**
 * Read a secret (an ingest or admin token) without it ever being on the command line, where `ps` and shell history
 * show it: from `--<flag>-file <path>`, from stdin with `--<flag>-file -` or `--<flag> -`, or from an environment
 * variable. A value given as `--<flag> <secret>` still works, with a warning on stderr.
 *
 * @example
 * ```ts
 * const token = await readSecret({ flag: "token", env: "EDGE_ML_MONITOR_TOKEN", value: args.token, file: args["token-file"] });
 * ```
 */
import { readFileSync } from "node:fs";
import { text } from "node:stream/consumers";
import { UsageError } from "./errors.ts";
import { colors } from "./output.ts";

export interface SecretOptions {
  /** The flag's name without dashes, e.g. "token": the file flag is `--token-file`. */
  flag: string;
  /** Environment variable read when no flag is given. */
  env: string;
  /** The value of `--<flag>` (discouraged: visible in `ps`), or "-" for stdin. */
  value?: string | undefined;
  /** The value of `--<flag>-file`: a path, or "-" for stdin. */
  file?: string | undefined;
  stdin?: NodeJS.ReadableStream;
  environment?: Readonly<Record<string, string | undefined>>;
  warn?: (message: string) => void;
}

/** The secret, or undefined when none was given anywhere. Surrounding whitespace (a file's newline) is dropped. */
export async function readSecret(o: SecretOptions): Promise<string | undefined> {
  if (o.value !== undefined && o.file !== undefined)
    throw new UsageError(`--${o.flag} and --${o.flag}-file both give the ${o.flag}`, { hint: `keep one: --${o.flag}-file <path> (or - for stdin)` });
  const source = o.file ?? (o.value === "-" ? "-" : undefined);
  if (source === "-") return nonEmpty(await text(o.stdin ?? process.stdin), "stdin", o);
  if (source !== undefined) {
    let content: string;
    try {
      content = readFileSync(source, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`cannot read --${o.flag}-file ${source} (${code})`, { hint: `pass a file holding only the ${o.flag}, or - to read it from stdin` });
    }
    return nonEmpty(content, source, o);
  }
  if (o.value !== undefined) {
    const warn = o.warn ?? ((m: string) => console.error(`${colors(process.stderr).yellow("!")} ${m}`));
    warn(
      `--${o.flag} puts the secret in shell history and in \`ps\` for every user of this machine; use $${o.env}, --${o.flag}-file <path> or --${o.flag}-file - (stdin)`,
    );
    return nonEmpty(o.value, `--${o.flag}`, o);
  }
  const fromEnv = (o.environment ?? process.env)[o.env];
  return fromEnv === undefined || fromEnv.trim() === "" ? undefined : fromEnv.trim();
}

function nonEmpty(raw: string, where: string, o: SecretOptions): string {
  const value = raw.trim();
  if (value === "") throw new UsageError(`the ${o.flag} from ${where} is empty`, { hint: `put the ${o.flag} in it, or set $${o.env}` });
  return value;
}
