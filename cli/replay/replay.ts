/**
 * `edge-ml replay`: stream a CSV through a running edge endpoint one row per request (at a given rate), optionally
 * drifting columns on the way (`age=+10`, `fare=*1.5`, `sex=male`), and post the label column as feedback to the
 * monitor with the request ids the edge returned. For users (try the monitor on real data) and for tests.
 *
 * Cells are typed by the model's features (`GET /v2/models/<name>`): numbers parsed, empty cells null, categories
 * and strings as written. Rows are read into memory (replay files are samples, not data lakes).
 *
 * @example
 * ```ts
 * const summary = await replay({ csv: "eval.csv", url: "http://127.0.0.1:8787", model: "titanic", rate: 50,
 *   changes: [parseChange("age=+25", "shift")], feedback: { url: monitorUrl, token, label: "survived" } });
 * summary.ok; // rows answered 200
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { mulberry32 } from "../../core/random.ts";
import { readCsv } from "../tabular/csv.ts";

export interface Change {
  column: string;
  op: "add" | "mul" | "set";
  value: string;
}

/** `--shift col=+10 | col=-3 | col=*1.5` (numbers) and `--set col=value` (any feature). */
export function parseChange(text: string, kind: "shift" | "set"): Change {
  const eq = text.indexOf("=");
  const column = text.slice(0, eq);
  const rhs = text.slice(eq + 1);
  if (eq <= 0) throw new EdgeMlError("ERR_USAGE", `--${kind} ${text}: expected column=${kind === "shift" ? "+10 or column=*1.5" : "value"}`);
  if (kind === "set") return { column, op: "set", value: rhs };
  const m = /^([+*-])\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/i.exec(rhs);
  if (!m)
    throw new EdgeMlError("ERR_USAGE", `--shift ${text}: expected a change like ${column}=+10, ${column}=-3 or ${column}=*1.5`, {
      hint: "use --set for a fixed value",
    });
  return { column, op: m[1] === "*" ? "mul" : "add", value: m[1] === "-" ? `-${m[2]}` : m[2]! };
}

interface FeatureInfo {
  name: string;
  type: string;
}

export interface ReplayOptions {
  csv: string;
  /** Edge base URL (the dev server's or a deployed Worker's). */
  url: string;
  model: string;
  /** Requests per second (default: as fast as answers come, one at a time). */
  rate?: number | undefined;
  changes?: readonly Change[];
  /** Stop after this many rows (with `loop`, cycle through the file until then). */
  limit?: number | undefined;
  loop?: boolean;
  /** Shuffle the rows with this seed first (CSV files are often sorted, e.g. by class). */
  shuffleSeed?: number | undefined;
  feedback?: { url: string; token: string; label: string } | undefined;
  fetch?: typeof fetch;
  onProgress?: (sent: number) => void;
}

export interface ReplaySummary {
  sent: number;
  ok: number;
  /** Responses by HTTP status ("network" for failed requests). */
  statuses: Record<string, number>;
  seconds: number;
  feedback?: { stored: number; matched: number };
}

function typed(raw: string | undefined, type: string): unknown {
  if (raw === undefined || raw === "") return null;
  if (type === "number" || type === "integer") {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw; // left as text: the edge names the bad cell
  }
  if (type === "boolean") return raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
  // Digits in a datetime column are epoch milliseconds (as `data validate` reads them); other text is ISO-8601.
  if (type === "datetime" && /^-?\d+$/.test(raw.trim())) return Number(raw);
  return raw;
}

function apply(instance: Record<string, unknown>, c: Change, type: string): void {
  if (c.op === "set") return void (instance[c.column] = typed(c.value, type));
  const v = instance[c.column];
  if (typeof v !== "number") return; // missing values stay missing
  instance[c.column] = c.op === "add" ? v + Number(c.value) : v * Number(c.value);
}

export async function replay(o: ReplayOptions): Promise<ReplaySummary> {
  const fetchFn = o.fetch ?? fetch;
  const base = o.url.replace(/\/+$/, "");
  const meta = await fetchFn(`${base}/v2/models/${encodeURIComponent(o.model)}`).catch((cause: unknown) => {
    throw new EdgeMlError("ERR_USAGE", `cannot reach the edge at ${base}: ${(cause as Error).message}`, {
      hint: "start it with: npx edge-ml dev <name>@<version>",
      cause,
    });
  });
  if (!meta.ok)
    throw new EdgeMlError("ERR_USAGE", `${base} does not serve model "${o.model}" (GET /v2/models/${o.model} answered ${meta.status})`, {
      hint: "check --url and --model",
    });
  const features = ((await meta.json()) as { features: FeatureInfo[] | null }).features;
  if (!features) throw new EdgeMlError("ERR_USAGE", `model "${o.model}" is a tensor model: replay sends CSV rows to tabular models`);
  const types = new Map(features.map((f) => [f.name, f.type]));
  for (const c of o.changes ?? []) {
    if (!types.has(c.column))
      throw new EdgeMlError("ERR_USAGE", `cannot change "${c.column}": not a feature of ${o.model}`, { hint: `features: ${[...types.keys()].join(", ")}` });
  }

  const rows: Record<string, string>[] = [];
  for await (const r of readCsv(o.csv)) rows.push(r.values);
  if (rows.length === 0) throw new EdgeMlError("ERR_BAD_DATA", `${o.csv} has no rows`);
  if (o.feedback && !Object.hasOwn(rows[0]!, o.feedback.label)) {
    throw new EdgeMlError("ERR_USAGE", `${o.csv} has no column "${o.feedback.label}" for --label`, { hint: `columns: ${Object.keys(rows[0]!).join(", ")}` });
  }
  if (o.shuffleSeed !== undefined) {
    const random = mulberry32(o.shuffleSeed);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
  }
  const total = o.loop ? (o.limit ?? rows.length) : Math.min(o.limit ?? rows.length, rows.length);

  const statuses: Record<string, number> = {};
  const labels: { requestId: string; label: string }[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    if (o.rate !== undefined) {
      const due = started + (i * 1000) / o.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const row = rows[i % rows.length]!;
    const instance: Record<string, unknown> = {};
    for (const [name, type] of types) if (Object.hasOwn(row, name)) instance[name] = typed(row[name], type);
    for (const c of o.changes ?? []) apply(instance, c, types.get(c.column)!);
    let status = "network";
    try {
      const res = await fetchFn(`${base}/v1/models/${encodeURIComponent(o.model)}:predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [instance] }),
      });
      status = String(res.status);
      const body = (await res.json().catch(() => ({}))) as { requestId?: string };
      const requestId = body.requestId ?? res.headers.get("x-request-id");
      if (res.ok && o.feedback && requestId) labels.push({ requestId, label: row[o.feedback.label] ?? "" });
    } catch {
      // counted as "network"; the replay goes on
    }
    statuses[status] = (statuses[status] ?? 0) + 1;
    o.onProgress?.(i + 1);
  }
  const summary: ReplaySummary = { sent: total, ok: statuses["200"] ?? 0, statuses, seconds: (performance.now() - started) / 1000 };
  if (o.feedback) summary.feedback = await postFeedback(fetchFn, o.feedback, labels);
  return summary;
}

async function postFeedback(fetchFn: typeof fetch, f: { url: string; token: string }, labels: readonly { requestId: string; label: string }[]) {
  const out = { stored: 0, matched: 0 };
  const url = `${f.url.replace(/\/+$/, "")}/v1/feedback`;
  for (let i = 0; i < labels.length; i += 1000) {
    const res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
      body: JSON.stringify({ items: labels.slice(i, i + 1000) }),
    });
    if (!res.ok)
      throw new EdgeMlError("ERR_USAGE", `the monitor refused the feedback (${res.status}): ${(await res.text()).slice(0, 300)}`, {
        hint: "check --feedback and --token (the deployment's ingest token)",
      });
    const body = (await res.json()) as { stored: number; matched: number };
    out.stored += body.stored;
    out.matched += body.matched;
  }
  return out;
}
