// interact-cli's HTML report: draws the summary, charts and tables from the page's JSON.
// Text from the data only ever goes through textContent, never innerHTML.
(function () {
"use strict";

const DATA = JSON.parse(document.getElementById("report-data").textContent);
const TITLES = { sets: "Sets", products: "Products", set_products: "Set × product" };

const { el, count, percent } = window.InteractPage;
const REST = "the rest are in the report's JSON and CSV (interact-cli report -f json, or -f csv --by ...).";

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
  return window.InteractPage.embed(DATA.charts[name], target);
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

// The rows past the top: text under the chart, not a bar that would dwarf the others.
function others(name, spec, section, target) {
  const text = spec.usermeta && spec.usermeta.others;
  if (!text) return;
  target.setAttribute("aria-describedby", "others-" + name);
  section.append(el("p", { class: "others", id: "others-" + name }, text));
}

function main() {
  const root = window.InteractPage.begin(DATA.notices);
  summary(root);
  const waiting = [];
  if (DATA.summary.valid) {
    waiting.push(funnel(root));
    const names = ["sets", "products", "rates", "trend", "trend_rate"];
    const entries = names.map((name) => [name, DATA.charts[name]]);
    waiting.push(...window.InteractPage.chartSection(root, "Charts", entries, others));
  }
  for (const name of ["sets", "products", "set_products"]) {
    window.InteractPage.table(root, name, TITLES[name], DATA.tables[name], REST);
  }
  window.InteractPage.ready(waiting);
}

main();
})();
