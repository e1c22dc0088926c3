/**
 * The shell of edge-ml's HTML reports: one self-contained file (inline CSS, inline SVG, no script, no fonts, no CDN)
 * that opens offline and can be attached to a ticket or a pull request as it is.
 *
 * @example
 * ```ts
 * writeFileSync("report.html", renderPage("titanic@1.0.0 validation", [section("Metrics", table(["metric", "value"], rows))]));
 * ```
 */

/** Escape text for HTML element content and attribute values. */
export function esc(s: string | number): string {
  return String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** A number for people: four significant digits, "–" for null. */
export function num(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : String(Number(x.toPrecision(digits)));
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const CSS = `
:root{--fg:#1d2430;--dim:#667085;--line:#e4e7ec;--ok:#067647;--bad:#b42318;--warn:#b54708;--a:#2e6bd1;--b:#e8833a;--bg:#fff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:20px 32px;border-bottom:1px solid var(--line)}header h1{margin:0 0 4px;font-size:20px}
main{padding:8px 32px 48px;max-width:1200px}h2{font-size:16px;margin:28px 0 8px}h3{font-size:14px;margin:18px 0 6px}
.dim{color:var(--dim)}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:600;font-size:13px;color:#fff}
.badge.ok{background:var(--ok)}.badge.bad{background:var(--bad)}.badge.warn{background:var(--warn)}
table{border-collapse:collapse;width:100%;margin:4px 0 12px}th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--dim);font-size:12px;text-transform:uppercase;letter-spacing:.03em}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.fail td{background:#fef3f2}tr.warn td{background:#fffaeb}.pass{color:var(--ok);font-weight:600}.fail{color:var(--bad);font-weight:600}.skip{color:var(--dim)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px}.grid.wide{grid-template-columns:repeat(auto-fill,minmax(520px,1fr))}.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.legend span{display:inline-flex;align-items:center;margin-right:14px;font-size:12px;color:var(--dim)}.legend i{width:10px;height:10px;border-radius:2px;margin-right:5px;display:inline-block}
svg text{font:11px system-ui,sans-serif;fill:#475467}
`;

/** A complete HTML document. `subtitle` and `body` are HTML (escape what comes from data). */
export function renderPage(title: string, subtitle: string, body: readonly string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><div class="dim">${subtitle}</div></header>
<main>${body.join("\n")}</main></body></html>
`;
}

export function section(title: string, ...content: string[]): string {
  return `<section><h2>${esc(title)}</h2>${content.join("")}</section>`;
}

/** A table; cells are HTML (escape data first); `classes[i]` styles row i (e.g. "fail"). `numeric` marks right-aligned columns. */
export function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { numeric?: readonly number[]; classes?: readonly string[] } = {},
): string {
  const n = new Set(opts.numeric ?? []);
  const th = head.map((h, i) => `<th${n.has(i) ? ' class="num"' : ""}>${esc(h)}</th>`).join("");
  const trs = rows
    .map(
      (r, k) =>
        `<tr${opts.classes?.[k] ? ` class="${opts.classes[k]}"` : ""}>${r.map((c, i) => `<td${n.has(i) ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

export function badge(ok: boolean, yes: string, no: string): string {
  return `<span class="badge ${ok ? "ok" : "bad"}">${esc(ok ? yes : no)}</span>`;
}
