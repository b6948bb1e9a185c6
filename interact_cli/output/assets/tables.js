// interact-cli's HTML pages (report and compare): elements, cells and sortable tables.
// Text from the data only ever goes through textContent, never innerHTML.
(function () {
"use strict";

const PAGE_ROWS = 50;

function el(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const count = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
// compare's verdicts: arrows for the changes found.
const CHANGES = { up: "▲ up", down: "▼ down", low_sample: "low sample" };
const percent = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%");

function cell(column, data, row) {
  if (column.kind === "range" || column.kind === "ratio_range") {
    const low = data[column.source + "_low"][row];
    const high = data[column.source + "_high"][row];
    if (low === null || high === null) return "—";
    if (column.kind === "range") return percent(low) + "–" + percent(high);
    return Number(low).toFixed(2) + "–" + Number(high).toFixed(2) + "×";
  }
  const value = data[column.name][row];
  if (value === null || value === undefined) return "—";
  switch (column.kind) {
    case "count": return count(value);
    case "rate": return percent(value);
    case "money":
      return Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    case "flag": return value ? "yes" : "";
    case "ratio": return Number(value).toFixed(2) + "×";
    case "pvalue": return Number(value).toPrecision(2);
    case "change": return CHANGES[value] === undefined ? String(value) : CHANGES[value];
    default: return String(value);
  }
}

function sortKey(column, data, row) {
  if (column.kind === "range" || column.kind === "ratio_range") return data[column.source + "_low"][row];
  return data[column.name][row];
}

function table(root, name, title, spec, rest) {
  const section = el("section", { id: "table-" + name });
  section.append(el("h2", {}, `${title}: ${count(spec.total)}`));
  if (spec.total > spec.rows) {
    section.append(el("p", { class: "cut" }, `This page holds the first ${count(spec.rows)} rows of ${count(spec.total)}; ` +
      rest));
  }
  const filter = el("input", { type: "search", placeholder: "filter by id", class: "filter", "aria-label": "filter " + name });
  const grid = el("table", { class: "rows" });
  const pager = el("div", { class: "pager" });
  const previous = el("button", { type: "button", class: "previous" }, "‹ previous");
  const next = el("button", { type: "button", class: "next" }, "next ›");
  const status = el("span", { class: "status" });
  pager.append(previous, status, next);
  const scroll = el("div", { class: "scroll" });
  scroll.append(grid);
  section.append(filter, scroll, pager);
  root.append(section);
  const ids = spec.columns.filter((c) => c.kind === "id").map((c) => c.name);
  let order = [...Array(spec.rows).keys()];
  let shown = order;
  let page = 0;
  let sorted = { column: null, descending: true };
  const head = el("thead");
  const headRow = el("tr");
  spec.columns.forEach((column) => {
    const th = el("th", { class: column.kind, "data-column": column.name }, column.header);
    th.addEventListener("click", () => {
      const descending = sorted.column === column.name ? !sorted.descending : column.kind !== "id";
      sorted = { column: column.name, descending };
      const key = (row) => sortKey(column, spec.data, row);
      order = [...Array(spec.rows).keys()].sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === y) return a - b;
        if (x === null || x === undefined) return 1; // nulls last either way
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * (descending ? -1 : 1);
      });
      apply();
    });
    headRow.append(th);
  });
  head.append(headRow);
  const body = el("tbody");
  grid.append(head, body);
  function apply() {
    const needle = filter.value.trim().toLowerCase();
    shown = needle ? order.filter((row) => ids.some((id) => String(spec.data[id][row]).toLowerCase().includes(needle))) : order;
    page = 0;
    draw();
  }
  function draw() {
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_ROWS));
    page = Math.min(page, pages - 1);
    const rows = shown.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS);
    body.replaceChildren(...rows.map((row) => {
      const tr = el("tr");
      spec.columns.forEach((column) => {
        const text = cell(column, spec.data, row);
        tr.append(el("td", column.kind === "id" ? { class: "id", title: text } : { class: column.kind }, text));
      });
      return tr;
    }));
    status.textContent = shown.length
      ? `rows ${count(page * PAGE_ROWS + 1)}–${count(page * PAGE_ROWS + rows.length)} of ${count(shown.length)}`
      : "no row";
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  filter.addEventListener("input", apply);
  previous.addEventListener("click", () => { page -= 1; draw(); });
  next.addEventListener("click", () => { page += 1; draw(); });
  draw();
}

function embed(spec, target) {
  if (!spec || !window.vegaEmbed) return Promise.resolve(null);
  return window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).then((r) => r.view);
}

// A section of charts, one per [name, spec] with a spec; `after(name, spec, section,
// target)` may add text under a chart. The promises of their drawing.
function chartSection(root, title, entries, after) {
  const section = el("section", { id: "charts" });
  section.append(el("h2", {}, title));
  const drawn = [];
  for (const [name, spec] of entries) {
    if (!spec) continue;
    const target = el("div", { class: "chart", id: "chart-" + name });
    section.append(target);
    if (after) after(name, spec, section, target);
    drawn.push(embed(spec, target));
  }
  root.append(section);
  return drawn;
}

// The page's root, its notices shown; then, once every chart is drawn, data-ready.
function begin(notices) {
  document.getElementById("notices").textContent = notices.join(" ");
  return document.getElementById("page");
}

function ready(waiting) {
  Promise.all(waiting).then(() => document.body.setAttribute("data-ready", "true"));
}

window.InteractPage = { el, count, percent, table, embed, chartSection, begin, ready };
})();
