// agreement.js — the agreement card of an assessment with graded items (GET .../agreement, kept
// by the engine grade by grade): per item the answers, grades and people, the exact and adjacent
// shares, Krippendorff's alpha; per pair of people and per automatic judge, the answers in common,
// the exact share, Cohen's kappa and the quadratic-weighted kappa. The assessment's view reads it
// again after a batch of events that holds a grade.<assessment>.
import { api, el, enc, fmt, pct, refresher } from "./lib.js";

const td = (text, num = true) => el("td", { class: num ? "num" : null, text: String(text) });
const head = (cols) => el("thead", {}, el("tr", {}, cols.map((h) => el("th", { text: h }))));

export function agreementCard(id) {
  const items = el("tbody", { id: "agreement" });
  const pairs = el("tbody", { id: "pairs" });
  const root = el(
    "div",
    { class: "card", id: "agreement-card", hidden: true },
    el("h2", { text: "Agreement between raters" }),
    el("table", {}, head(["Item", "Answers", "Grades", "People", "Exact", "Adjacent", "α nominal", "α ordinal", "α interval"]), items),
    el("h2", { class: "sub", text: "Pairs of people, and automatic judges against people" }),
    el("table", {}, head(["Item", "Pair or judge", "Answers", "Exact", "Adjacent", "κ", "QWK"]), pairs),
  );
  const draw = (a) => {
    const rows = Object.entries(a.items);
    items.replaceChildren(
      ...rows.map(([iid, x]) =>
        el("tr", { "data-item": iid }, td(iid, false), td(x.units), td(x.grades), td(x.raters), td(pct(x.exact)), td(pct(x.adjacent)), td(fmt(x.alpha.nominal, 3)), td(fmt(x.alpha.ordinal, 3)), td(fmt(x.alpha.interval, 3))),
      ),
    );
    const out = [];
    for (const [iid, x] of rows) {
      for (const [k, p] of Object.entries(x.pairs)) out.push(el("tr", { "data-pair": iid + " " + k }, td(iid, false), td(k, false), td(p.n), td(pct(p.exact)), td("–"), td(fmt(p.kappa, 3)), td(fmt(p.qwk, 3))));
      for (const [k, j] of Object.entries(x.judges)) out.push(el("tr", { "data-pair": iid + " " + k, class: "judge" }, td(iid, false), td(k, false), td(j.n), td(pct(j.exact)), td(pct(j.adjacent)), td(fmt(j.kappa, 3)), td(fmt(j.qwk, 3))));
    }
    pairs.replaceChildren(...out);
    if (!out.length) pairs.append(el("tr", {}, el("td", { colspan: 7, class: "muted", text: "No answer graded by two yet." })));
  };
  const load = refresher(async () => {
    draw(await api("/v1/assessments/" + enc(id) + "/agreement"));
    root.hidden = false;
  });
  return { root, load };
}
