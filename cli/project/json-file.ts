/** Read a JSON file and validate it with a zod schema; errors name the file, line and every bad field. */
import { readFileSync } from "node:fs";
import type * as z from "zod";
import { EdgeMlError, issuesFromZod } from "../../core/errors.ts";

export function readJsonFile<S extends z.ZodType>(path: string, schema: S, what: string, hint: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new EdgeMlError("ERR_USAGE", `cannot read ${what} file ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, {
      file: path,
      hint: "check the path (it is relative to the current directory)",
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const message = (cause as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = path;
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      where = `${path}:${line}:${before.length - before.lastIndexOf("\n")}`;
    }
    throw new EdgeMlError("ERR_BAD_CONFIG", `${where}: ${what} is not valid JSON (${message})`, { file: where, hint });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_BAD_CONFIG", `${path}: invalid ${what}`, { file: path, issues: issuesFromZod(parsed.error.issues), hint });
  }
  return parsed.data;
}
