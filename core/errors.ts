/**
 * One error type for the whole toolkit, with stable codes.
 *
 * A *user* error says what went wrong, where (file, field path, row) and how to fix it; the CLI prints it without a
 * stack. A *system* error is a bug or an environment failure; the CLI prints its stack.
 *
 * @example
 * ```ts
 * throw new EdgeMlError("ERR_MODEL_NOT_FOUND", "model penguin-sex@9.9.9 is not in models/", {
 *   hint: "run `edge-ml models list` to see what is registered",
 * });
 * ```
 */

const USER_ERROR_CODES = [
  "ERR_BAD_INPUT",
  "ERR_BAD_CONFIG",
  "ERR_BAD_MANIFEST",
  "ERR_BAD_MODEL_FILE",
  "ERR_MODEL_NOT_FOUND",
  "ERR_VERSION_EXISTS",
  "ERR_BAD_VERSION",
  "ERR_INTEGRITY",
  "ERR_NOT_A_PROJECT",
  "ERR_BAD_DATA",
  "ERR_GATE_FAILED",
  /** The platform (e.g. the Cloudflare API through wrangler) refused or did not answer a deploy. */
  "ERR_DEPLOY_FAILED",
  "ERR_USAGE",
] as const;
const SYSTEM_ERROR_CODES = ["ERR_INTERNAL", "ERR_ENGINE", "ERR_BUILD"] as const;
export type ErrorCode = (typeof USER_ERROR_CODES)[number] | (typeof SYSTEM_ERROR_CODES)[number];

/** One problem found in an input, with the field path it concerns (e.g. `instances[2].island`). */
export interface Issue {
  path: string;
  message: string;
}

export interface EdgeMlErrorOptions {
  hint?: string;
  issues?: Issue[];
  /** File (and optionally line) the error is about. */
  file?: string;
  cause?: unknown;
}

export class EdgeMlError extends Error {
  override readonly name = "EdgeMlError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly issues: Issue[];
  readonly file: string | undefined;

  constructor(code: ErrorCode, message: string, options: EdgeMlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues ?? [];
    this.file = options.file;
  }

  /** True when the user can fix it (bad input, config, files); false for bugs and environment failures. */
  get isUserError(): boolean {
    return (USER_ERROR_CODES as readonly string[]).includes(this.code);
  }
}

/** Format a path array from zod (`["instances", 2, "island"]`) as `instances[2].island`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Turn zod issues into edge-ml issues with printable paths, prefixed by `prefix` (e.g. a file name). */
export function issuesFromZod(zodIssues: readonly { path: readonly PropertyKey[]; message: string }[], prefix: readonly PropertyKey[] = []): Issue[] {
  return zodIssues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
}
