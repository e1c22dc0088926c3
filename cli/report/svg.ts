/**
 * Inline SVG charts for the HTML reports, generated as strings (no chart library, no script): grouped bars for
 * baseline-vs-new histograms, dots with confidence-interval whiskers for metrics per slice, and a ROC curve.
 *
 * @example
 * ```ts
 * barsSvg(["<15", "15-19", ">=19"], [{ name: "training", color: "#2e6bd1", values: [0.2, 0.5, 0.3] }, { name: "new", color: "#e8833a", values: [0.1, 0.6, 0.3] }]);
 * ```
 */
import { esc, num } from "./html.ts";

export interface Series {
  name: string;
  color: string;
  values: readonly number[];
}

export const COLORS = { a: "#2e6bd1", b: "#e8833a", ok: "#067647", bad: "#b42318", grid: "#e4e7ec" } as const;

const f = (x: number) => (Math.round(x * 10) / 10).toString();

function legend(series: readonly { name: string; color: string }[]): string {
  return `<div class="legend">${series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`).join("")}</div>`;
}

/** Grouped vertical bars of shares (0..1) per label, one bar per series. */
export function barsSvg(labels: readonly string[], series: readonly Series[], title = "share of rows"): string {
  const w = 460,
    h = 196,
    left = 38,
    bottom = 52,
    top = 10;
  const plotW = w - left - 8,
    plotH = h - top - bottom;
  const max = Math.max(0.01, ...series.flatMap((s) => s.values));
  const slot = plotW / Math.max(labels.length, 1);
  const barW = Math.max(2, (slot * 0.8) / Math.max(series.length, 1));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  for (const t of [0, max / 2, max])
    parts.push(
      `<line x1="${left}" x2="${w - 8}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="${COLORS.grid}"/><text x="${left - 4}" y="${f(y(t) + 4)}" text-anchor="end">${Math.round(t * 100)}%</text>`,
    );
  labels.forEach((label, i) => {
    const x0 = left + i * slot + slot * 0.1;
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      parts.push(
        `<rect x="${f(x0 + k * barW)}" y="${f(y(v))}" width="${f(barW - 1)}" height="${f(top + plotH - y(v))}" fill="${s.color}"><title>${esc(`${s.name} · ${label}: ${(v * 100).toFixed(1)}%`)}</title></rect>`,
      );
    });
    const short = label.length > 10 ? `${label.slice(0, 9)}…` : label;
    const cx = left + i * slot + slot / 2;
    parts.push(
      labels.length > 6
        ? `<text transform="translate(${f(cx)},${top + plotH + 8}) rotate(40)" text-anchor="start">${esc(short)}</text>`
        : `<text x="${f(cx)}" y="${top + plotH + 14}" text-anchor="middle">${esc(short)}</text>`,
    );
  });
  return `<svg viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="${esc(title)}">${parts.join("")}</svg>${legend(series)}`;
}

export interface IntervalRow {
  label: string;
  value: number | null;
  ci: [number, number] | null;
  /** Second model (e.g. the champion), drawn beside. */
  other?: { value: number | null; ci: [number, number] | null } | undefined;
}

/** One row per scope: the value as a dot, its confidence interval as a whisker; an optional threshold line. */
export function intervalsSvg(rows: readonly IntervalRow[], opts: { threshold?: number | undefined; names?: [string, string] } = {}): string {
  const rowH = 22,
    left = 180,
    w = 500,
    top = 8,
    bottom = 22;
  const h = top + rows.length * rowH + bottom;
  const xs = rows
    .flatMap((r) => [r.value, ...(r.ci ?? []), r.other?.value ?? null, ...(r.other?.ci ?? [])])
    .filter((v): v is number => v !== null && Number.isFinite(v));
  if (opts.threshold !== undefined) xs.push(opts.threshold);
  let lo = xs.length > 0 ? Math.min(...xs) : 0;
  let hi = xs.length > 0 ? Math.max(...xs) : 1;
  const pad = (hi - lo) * 0.05 || 0.05;
  lo -= pad;
  hi += pad;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * (w - left - 12);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(
      `<line x1="${f(x(v))}" x2="${f(x(v))}" y1="${top}" y2="${h - bottom}" stroke="${COLORS.grid}"/><text x="${f(x(v))}" y="${h - 6}" text-anchor="middle">${num(v, 3)}</text>`,
    );
  }
  if (opts.threshold !== undefined)
    parts.push(
      `<line x1="${f(x(opts.threshold))}" x2="${f(x(opts.threshold))}" y1="${top}" y2="${h - bottom}" stroke="${COLORS.bad}" stroke-dasharray="4 3"><title>threshold ${num(opts.threshold)}</title></line>`,
    );
  const mark = (v: number | null, ci: [number, number] | null, cy: number, color: string) => {
    const out: string[] = [];
    if (ci) out.push(`<line x1="${f(x(ci[0]))}" x2="${f(x(ci[1]))}" y1="${f(cy)}" y2="${f(cy)}" stroke="${color}" stroke-width="2"/>`);
    if (v !== null)
      out.push(`<circle cx="${f(x(v))}" cy="${f(cy)}" r="4" fill="${color}"><title>${num(v)}${ci ? ` [${num(ci[0])}, ${num(ci[1])}]` : ""}</title></circle>`);
    return out.join("");
  };
  rows.forEach((r, i) => {
    const cy = top + i * rowH + rowH / 2;
    parts.push(`<text x="${left - 8}" y="${f(cy + 4)}" text-anchor="end">${esc(r.label)}</text>`);
    parts.push(mark(r.value, r.ci, r.other ? cy - 4 : cy, COLORS.a));
    if (r.other) parts.push(mark(r.other.value, r.other.ci, cy + 4, COLORS.b));
  });
  const names = opts.names;
  const key =
    names && rows.some((r) => r.other)
      ? legend([
          { name: names[0], color: COLORS.a },
          { name: names[1], color: COLORS.b },
        ])
      : "";
  return `<svg viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="metric with 95% interval">${parts.join("")}</svg>${key}`;
}

/** A ROC curve (false-positive rate vs true-positive rate) with the diagonal; at most ~200 points are drawn. */
export function rocSvg(points: readonly { fpr: number; tpr: number }[], label: string): string {
  const s = 220,
    m = 30;
  const step = Math.max(1, Math.ceil(points.length / 200));
  const kept = points.filter((_, i) => i % step === 0 || i === points.length - 1);
  const px = (v: number) => m + v * (s - m - 8);
  const py = (v: number) => s - m - v * (s - m - 8);
  const path = kept.map((p, i) => `${i === 0 ? "M" : "L"}${f(px(p.fpr))},${f(py(p.tpr))}`).join("");
  return `<svg viewBox="0 0 ${s} ${s}" width="260" role="img" aria-label="ROC curve">
<rect x="${px(0)}" y="${py(1)}" width="${f(px(1) - px(0))}" height="${f(py(0) - py(1))}" fill="none" stroke="${COLORS.grid}"/>
<line x1="${px(0)}" y1="${py(0)}" x2="${f(px(1))}" y2="${f(py(1))}" stroke="${COLORS.grid}" stroke-dasharray="4 3"/>
<path d="${path}" fill="none" stroke="${COLORS.a}" stroke-width="2"/>
<text x="${f(px(0.5))}" y="${s - 6}" text-anchor="middle">false-positive rate</text>
<text transform="translate(10,${f(py(0.5))}) rotate(-90)" text-anchor="middle">true-positive rate</text>
<text x="${f(px(0.55))}" y="${f(py(0.12))}">${esc(label)}</text></svg>`;
}
