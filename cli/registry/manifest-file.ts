/**
 * Record results in an existing version's manifest: its `validation` and its `variants` are the mutations a
 * registered version allows (the model file, IO, schema and lineage never change).
 *
 * Only the named top-level members change: the text is spliced (its old value replaced, or the member inserted
 * before `metrics`), so every other byte of manifest.json stays as it was, whatever formatting wrote it; the model
 * file is never opened. The new text is checked (it parses, it is a valid manifest, and apart from `validation` it
 * equals the old one) and then written atomically: a temporary file beside it, renamed over it.
 *
 * @example
 * ```ts
 * updateManifest("models/titanic/1.0.0/manifest.json", { validation: result });
 * ```
 */
import { isDeepStrictEqual } from "node:util";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { EdgeMlError, issuesFromZod } from "../../core/errors.ts";
import { Manifest, requiredSchemaVersion } from "../../core/schema/manifest.ts";

interface Member {
  key: string;
  /** Start of the key's opening quote, and the value's [start, end). */
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

const WS = /\s/;

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.test(text[i] as string)) i++;
  return i;
}

function skipString(text: string, i: number): number {
  for (let k = i + 1; k < text.length; k++) {
    if (text[k] === "\\") k++;
    else if (text[k] === '"') return k + 1;
  }
  throw new Error("unterminated string");
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (let k = i; k < text.length; k++) {
      const ch = text[k];
      if (ch === '"') k = skipString(text, k) - 1;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    throw new Error("unbalanced brackets");
  }
  let k = i;
  while (k < text.length && !",}]".includes(text[k] as string) && !WS.test(text[k] as string)) k++;
  return k;
}

/** The members of the top-level object, with their positions in `text`. */
export function topLevelMembers(text: string): Member[] {
  let i = skipWs(text, 0);
  if (text[i] !== "{") throw new Error("not a JSON object");
  i++;
  const out: Member[] = [];
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === "}") return out;
    const keyStart = i;
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(keyStart, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    if (text[i] !== ":") throw new Error(`expected ":" after ${key}`);
    const valueStart = skipWs(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    out.push({ key, keyStart, valueStart, valueEnd });
    i = skipWs(text, valueEnd);
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`expected "," or "}" after ${key}`);
  }
}

/** `value` as JSON in the style of the surrounding text: indented like its members, or compact on one line. */
function serialize(value: unknown, indent: string | null): string {
  if (indent === null) return JSON.stringify(value);
  return JSON.stringify(value, null, indent.length > 0 ? indent : 2).replaceAll("\n", `\n${indent}`);
}

/** The manifest text with its top-level member `key` set to `value`, every other byte unchanged. */
function spliceMember(text: string, key: string, value: unknown): string {
  const members = topLevelMembers(text);
  const first = members[0];
  const lineStart = first === undefined ? -1 : text.lastIndexOf("\n", first.keyStart);
  const indent = first === undefined || lineStart === -1 ? null : text.slice(lineStart + 1, first.keyStart);
  const existing = members.find((m) => m.key === key);
  if (existing) return text.slice(0, existing.valueStart) + serialize(value, indent) + text.slice(existing.valueEnd);
  // Inserted before an existing member (`metrics` when there is one, as in the schema's order), so the new text is
  // the old text plus one inserted span: no byte of it changes, not even a comma.
  const before = members.find((m) => m.key === "metrics") ?? members[members.length - 1];
  const member = `${JSON.stringify(key)}:${indent === null ? "" : " "}${serialize(value, indent)}`;
  if (before === undefined) {
    const open = text.indexOf("{");
    return `${text.slice(0, open + 1)}${member}${text.slice(open + 1)}`;
  }
  return `${text.slice(0, before.keyStart)}${member},${indent === null ? "" : `\n${indent}`}${text.slice(before.keyStart)}`;
}

/** `spliceMember` for the `validation` result. */
export function spliceValidation(text: string, value: unknown): string {
  return spliceMember(text, "validation", value);
}

/**
 * Set top-level members of a registered version's manifest (`validation`, `variants`), raising `schemaVersion` when the
 * new values need a newer contract. Every other member keeps its bytes; the result is checked (a valid manifest that
 * differs only in those members) and written atomically. Returns the new manifest.
 */
export function updateManifest(file: string, changes: Readonly<Record<string, unknown>>): Manifest {
  const before = readFileSync(file, "utf8");
  let after = before;
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(before) as Record<string, unknown>;
    for (const [key, value] of Object.entries(changes)) after = spliceMember(after, key, value);
    const needed = requiredSchemaVersion({ ...old, ...changes } as Parameters<typeof requiredSchemaVersion>[0]);
    if (typeof old["schemaVersion"] === "number" && needed > old["schemaVersion"]) after = spliceMember(after, "schemaVersion", needed);
  } catch (cause) {
    throw new EdgeMlError("ERR_BAD_MANIFEST", `${file}: cannot locate the top-level members (${(cause as Error).message})`, {
      file,
      hint: "restore the manifest from git",
      cause,
    });
  }
  const next = JSON.parse(after) as Record<string, unknown>;
  const parsed = Manifest.safeParse(next);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_INTERNAL", `the new ${Object.keys(changes).join(", ")} do not fit the manifest schema`, {
      issues: issuesFromZod(parsed.error.issues),
    });
  }
  const changed = new Set([...Object.keys(changes), "schemaVersion"]);
  const rest = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !changed.has(k)));
  const same = Object.entries(changes).every(([k, v]) => isDeepStrictEqual(next[k], JSON.parse(JSON.stringify(v))));
  if (!isDeepStrictEqual(rest(old), rest(next)) || !same) {
    throw new EdgeMlError("ERR_INTERNAL", `${file}: splicing ${Object.keys(changes).join(", ")} would change other fields; nothing was written`);
  }
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, after);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  return parsed.data;
}
