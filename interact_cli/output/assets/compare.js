// interact-cli's compare page: the summary, a forest plot per rate, the sortable table.
// Text from the data only ever goes through textContent, never innerHTML.
(function () {
"use strict";

const DATA = JSON.parse(document.getElementById("report-data").textContent);
const { el, count, table, embed } = window.InteractPage;
const TITLES = { sets: "Sets", products: "Products", set_products: "Set × product" };
const RATES = { ctr: "ctr", cart_per_click: "cart/click" };
const REST = "the rest are in the JSON and CSV (interact-cli compare ... -f json, or -f csv).";

function side(window) {
  const what = window.since !== undefined ? `${window.since} until ${window.until}` : window.inputs.join(", ");
  return `${what}: users ${count(window.users)} · views ${count(window.views)} · click ${count(window.click)} · addToCart ${count(window.addToCart)}`;
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
    lines.push([RATES[rate], `▲ ${count(v.up)} up · ▼ ${count(v.down)} down · ${count(v.unchanged)} unchanged · ${count(v.low_sample)} low sample · ${count(v.untestable)} untestable`]);
  }
  lines.push(["a change", `q < ${s.fdr} (Benjamini–Hochberg over ${count(s.rows)} rows) with at least ${s.low_sample_clicks} clicks in each window`]);
  lines.push(["method", s.method]);
  const list = el("dl");
  for (const [term, text] of lines) list.append(el("dt", {}, term), el("dd", { "data-field": term }, text));
  section.append(list);
  root.append(section);
}

function charts(root) {
  const section = el("section", { id: "charts" });
  section.append(el("h2", {}, "Ratios now / before"));
  const drawn = [];
  for (const [rate, spec] of Object.entries(DATA.charts)) {
    if (!spec) {
      section.append(el("p", { class: "empty" }, `${RATES[rate]}: no row has a ratio with an interval.`));
      continue;
    }
    const target = el("div", { class: "chart", id: "chart-" + rate });
    section.append(target);
    drawn.push(embed(spec, target));
  }
  root.append(section);
  return drawn;
}

function main() {
  const root = document.getElementById("page");
  document.getElementById("notices").textContent = DATA.notices.join(" ");
  summary(root);
  const waiting = charts(root);
  table(root, DATA.name, TITLES[DATA.name], DATA.table, REST);
  Promise.all(waiting).then(() => document.body.setAttribute("data-ready", "true"));
}

main();
})();
