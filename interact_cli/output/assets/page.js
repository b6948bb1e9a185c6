// interact-cli's HTML report: draws the summary, charts and tables from the page's JSON.
// Text from the data only ever goes through textContent, never innerHTML.
(function () {
"use strict";

const DATA = JSON.parse(document.getElementById("report-data").textContent);
const PAGE_ROWS = 50;
const TITLES = { sets: "Sets", products: "Products", set_products: "Set × product" };

function el(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const count = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
const percent = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%");

function cell(column, data, row) {
  if (column.kind === "range") {
    const low = data[column.source + "_low"][row];
    const high = data[column.source + "_high"][row];
    return low === null || high === null ? "—" : percent(low) + "–" + percent(high);
  }
  const value = data[column.name][row];
  if (value === null || value === undefined) return "—";
  switch (column.kind) {
    case "count": return count(value);
    case "rate": return percent(value);
    case "money":
      return Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    case "flag": return value ? "yes" : "";
    default: return String(value);
  }
}

function sortKey(column, data, row) {
  if (column.kind === "range") return data[column.source + "_low"][row];
  return data[column.name][row];
}

function totals() {
  return DATA.totals;  // over every set, also those past the rows the page carries
}

function summary(root) {
  const s = DATA.summary;
  const section = el("section", { id: "summary" });
  section.append(el("h2", {}, "Summary"));
  const timed = DATA.trend.filter((r) => r.period !== "unknown").map((r) => r.period);
  const span = timed.length
    ? `${timed[0]} to ${timed[timed.length - 1]} (periods of a ${s.interval}, ${s.tz})`
    : "no event with a usable time";
  const t = totals();
  const lines = [
    ["lines", `${count(s.lines)}: valid ${count(s.valid)} · invalid ${count(s.invalid)} · blank ${count(s.blank)}`],
    ["events", Object.entries(s.events).map(([k, v]) => `${k} ${count(v)}`).join(" · ")],
    ["time span", span],
    ["time field", `${s.time_field}; orders attributed by ${s.attribution_basis}`],
    ["totals (sets)", `views ${count(t.views)} · click ${count(t.click)} · addToCart ${count(t.addToCart)} · ordered ${count(t.ordered)}`],
  ];
  const list = el("dl");
  for (const [term, text] of lines) list.append(el("dt", {}, term), el("dd", { "data-field": term }, text));
  section.append(list);
  if (!s.valid) section.append(el("p", { class: "empty" }, "No valid event in the input: there is nothing to chart or count."));
  root.append(section);
}

function embed(name, target) {
  const spec = DATA.charts[name];
  if (!spec || !window.vegaEmbed) return Promise.resolve(null);
  return window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).then((r) => r.view);
}

function funnel(root, view) {
  const section = el("section", { id: "funnel" });
  section.append(el("h2", {}, "Funnel: views → click → addToCart → ordered"));
  const picker = el("select", { id: "funnel-set", "aria-label": "set" });
  picker.append(el("option", { value: "" }, "all sets"));
  const sets = DATA.tables.sets.data;
  (sets.set_id || []).forEach((id, row) => picker.append(el("option", { value: String(row) }, id)));
  const numbers = el("table", { id: "funnel-numbers" });
  const chart = el("div", { class: "chart", id: "chart-funnel" });
  section.append(picker, numbers, chart);
  root.append(section);
  let drawn = null;
  const show = () => {
    const row = picker.value === "" ? null : Number(picker.value);
    const t = row === null ? totals() : { views: sets.views[row], click: sets.click[row], addToCart: sets.addToCart[row], ordered: sets.ordered[row] };
    const values = ["views", "click", "addToCart", "ordered"].map((step) => ({ step, count: t[step] }));
    numbers.replaceChildren(...values.map((v) => {
      const tr = el("tr");
      tr.append(el("th", {}, v.step), el("td", { "data-step": v.step }, count(v.count)));
      return tr;
    }));
    if (drawn) drawn.data("funnel", values).runAsync();
  };
  picker.addEventListener("change", show);
  show();
  return embed("funnel", chart).then((v) => { drawn = v; show(); });
}

function table(root, name) {
  const spec = DATA.tables[name];
  const section = el("section", { id: "table-" + name });
  section.append(el("h2", {}, `${TITLES[name]}: ${count(spec.total)}`));
  if (spec.total > spec.rows) {
    section.append(el("p", { class: "cut" }, `This page holds the first ${count(spec.rows)} rows of ${count(spec.total)}; ` +
      "the rest are in the report's JSON and CSV (interact-cli report -f json, or -f csv --by ...)."));
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

function charts(root) {
  const section = el("section", { id: "charts" });
  section.append(el("h2", {}, "Charts"));
  const drawn = [];
  for (const name of ["sets", "products", "rates", "trend", "trend_rate"]) {
    const spec = DATA.charts[name];
    if (!spec) continue;
    const target = el("div", { class: "chart", id: "chart-" + name });
    section.append(target);
    // The rows past the top: text under the chart, not a bar that would dwarf the others.
    const others = spec.usermeta && spec.usermeta.others;
    if (others) {
      target.setAttribute("aria-describedby", "others-" + name);
      section.append(el("p", { class: "others", id: "others-" + name }, others));
    }
    drawn.push(embed(name, target));
  }
  root.append(section);
  return drawn;
}

function main() {
  const root = document.getElementById("page");
  document.getElementById("notices").textContent = DATA.notices.join(" ");
  summary(root);
  const waiting = [];
  if (DATA.summary.valid) {
    waiting.push(funnel(root));
    waiting.push(...charts(root));
  }
  for (const name of ["sets", "products", "set_products"]) table(root, name);
  Promise.all(waiting).then(() => document.body.setAttribute("data-ready", "true"));
}

main();
})();
