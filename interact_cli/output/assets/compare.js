// interact-cli's compare page: the summary, a forest plot per rate, the sortable table.
// Text from the data only ever goes through textContent, never innerHTML.
(function () {
"use strict";

const DATA = JSON.parse(document.getElementById("report-data").textContent);
const { el, count, table } = window.InteractPage;
const TITLES = { sets: "Sets", products: "Products", set_products: "Set × product" };
const RATES = { ctr: "ctr", cart_per_click: "cart/click" };
const REST = "the rest are in the JSON and CSV (interact-cli compare ... -f json, or -f csv).";

function side(window) {
  const what = window.since !== undefined ? `${window.since} until ${window.until}` : window.inputs.join(", ");
  const totals = ["users", "views", "click", "addToCart"].filter((k) => k in window);
  return `${what}: ` + totals.map((k) => `${k} ${count(window[k])}`).join(" · ");
}

function summary(root) {
  const s = DATA.summary;
  const section = el("section", { id: "summary" });
  section.append(el("h2", {}, "Summary"));
  const lines = [
    ["lines", `${count(s.lines)}: valid ${count(s.valid)} · invalid ${count(s.invalid)} · blank ${count(s.blank)}`],
    ["before", side(s.baseline)],
    ["now", side(s.current)],
  ];
  for (const [rate, v] of Object.entries(s.changes)) {
    lines.push([RATES[rate], `▲ ${count(v.up)} up · ▼ ${count(v.down)} down · ${count(v.unchanged)} unchanged · ${count(v.low_sample)} low sample · ${count(v.untestable)} untestable (q over ${count(s.tested[rate])} rows)`]);
  }
  lines.push(["a change", `q < ${s.fdr} (Benjamini–Hochberg) and at least ${s.low_sample_clicks} clicks in each window`]);
  lines.push(["method", s.method]);
  const list = el("dl");
  for (const [term, text] of lines) list.append(el("dt", {}, term), el("dd", { "data-field": term }, text));
  section.append(list);
  root.append(section);
}

function main() {
  const root = window.InteractPage.begin(DATA.notices);
  summary(root);
  const entries = Object.entries(DATA.charts);
  const waiting = window.InteractPage.chartSection(root, "Ratios now / before", entries);
  for (const [rate, spec] of entries) {
    if (!spec) root.lastChild.append(el("p", { class: "empty" }, `${RATES[rate]}: no row has a ratio with an interval.`));
  }
  table(root, DATA.name, TITLES[DATA.name], DATA.table, REST);
  window.InteractPage.ready(waiting);
}

main();
})();
