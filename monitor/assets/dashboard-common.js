// What the dashboard's scripts share (served as-is at /assets/dashboard-common.js and loaded before them, no build
// step): element builders that write text with textContent only (everything from the API is user data), and the JSON
// fetch that turns the monitor's error body into a message with its hint.
window.edgeMlDashboard = (() => {
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const row = (cells, tag = "td") => {
    const tr = document.createElement("tr");
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el(tag, String(c)));
    return tr;
  };
  async function getJson(path) {
    const res = await fetch(path, { headers: { accept: "application/json" } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error ? `${body.error.message}${body.error.hint ? ` (${body.error.hint})` : ""}` : `${path}: ${res.status}`);
    return body;
  }
  return { el, row, getJson };
})();
