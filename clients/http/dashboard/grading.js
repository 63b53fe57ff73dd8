// grading.js — the grading view, #/grade/ASSESSMENT/RATER: the next answer the rater may grade
// (POST .../grade-next: leased to the rater, blind to others' grades), the item's scale and
// rubric, a key 0-9 or a button of the scale to grade it (PUT /v1/responses/ID/grades/ITEM), and
// the next one at once. It counts the responses still waiting for people (the report's pending,
// when the token may read it) and the grades given here.
import { ApiError, S, all, api, el, enc, send, showError } from "./lib.js";

// The rater a rater's JWT names (its sub), to fill in the address; the server checks the token.
export function tokenRater(token) {
  const parts = (token || "").split(".");
  if (parts.length !== 3) return null;
  try {
    const c = JSON.parse(atob(parts[1].replace(/-/g, "+").replace(/_/g, "/")));
    return c.role === "rater" && typeof c.sub === "string" ? c.sub : null;
  } catch (_) {
    return null;
  }
}

// The points of an item's scale: 0, step, ..., max.
export function scalePoints(max, step) {
  const out = [];
  for (let k = 0; k * step <= max + 1e-9; k++) out.push(Math.round(k * step * 1e9) / 1e9);
  return out;
}

const text = (answer) => (typeof answer === "string" ? answer : JSON.stringify(answer, null, 2));

// Where a rater's token starts: the assessments, each a link to grade it (a rater reads no reports).
export function viewRaterHome(rater) {
  const list = el("ul", { id: "to-grade" });
  const root = el("div", {}, el("h1", { text: `Grade as ${rater}` }), el("div", { class: "card" }, el("p", { class: "muted", text: "Choose an assessment: its answers waiting for people are handed to you one at a time." }), list));
  const load = async () => {
    const rows = await all("/v1/assessments", "assessments", 500);
    list.replaceChildren(...rows.map((a) => el("li", {}, el("a", { href: "#/grade/" + enc(a.id), "data-assessment": a.id, text: a.title ? `${a.id}: ${a.title}` : a.id }))));
    if (!rows.length) list.append(el("li", { class: "muted", text: "No assessments yet." }));
  };
  return {
    name: "grade",
    root,
    live: false,
    reload: () =>
      load().catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) showError(e);
      }),
    onEvent() {},
    afterEvents() {},
  };
}

// Asks for the rater's name when the address does not give one.
function askRater(assessment) {
  const input = el("input", { id: "rater", placeholder: "rater id", required: true });
  const root = el(
    "div",
    {},
    el("h1", { text: "Grade " + assessment }),
    el(
      "form",
      { class: "card lookup", onsubmit: (e) => { e.preventDefault(); location.hash = "#/grade/" + enc(assessment) + "/" + enc(input.value.trim()); } },
      el("label", {}, "Who grades: ", input),
      " ",
      el("button", { type: "submit", text: "Start" }),
    ),
  );
  return { name: "grade", root, live: false, reload() {}, onEvent() {}, afterEvents() {} };
}

export function viewGrade(assessment, rater) {
  if (!rater) return askRater(assessment);
  const state = { slot: null, graded: 0, busy: false, points: [] };
  const waiting = el("div", { class: "v", "data-figure": "waiting", text: "…" });
  const graded = el("div", { class: "v", "data-figure": "graded", text: "0" });
  const last = el("p", { class: "muted", id: "last-grade" });
  const card = el("div", { class: "card", id: "grading" });
  const root = el(
    "div",
    {},
    el("h1", { text: `Grade ${assessment} as ${rater}` }),
    el("div", { class: "card figures" }, el("div", { class: "figure" }, waiting, el("div", { class: "k", text: "responses waiting for people" })), el("div", { class: "figure" }, graded, el("div", { class: "k", text: "graded here" }))),
    card,
    last,
  );
  const countWaiting = async () => {
    if (tokenRater(S.token)) {
      waiting.textContent = "–"; // (a rater's token does not read reports)
      return;
    }
    try {
      const rep = await api("/v1/assessments/" + enc(assessment) + "/report");
      waiting.textContent = String(rep.pending || 0);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 403)) throw e;
      waiting.textContent = "–"; // (a rater's token does not read reports)
    }
  };
  const draw = () => {
    const s = state.slot;
    if (!s) {
      state.points = [];
      card.replaceChildren(el("p", { id: "nothing-left", text: `Nothing left to grade for ${rater}.` }));
      return;
    }
    state.points = scalePoints(s.max, s.step);
    card.replaceChildren(
      el("h2", { text: `Response ${s.response}, item ${s.item}` }),
      el("pre", { class: "answer", id: "answer", text: text(s.answer) }),
      el("p", { class: "muted", text: `0 to ${s.max} in steps of ${s.step}; keys 0-9 grade the point of that value` }),
      el("div", { class: "scale", id: "scale" }, state.points.map((p) => el("button", { type: "button", "data-score": p, text: String(p), onclick: () => grade(p) }))),
      s.rubric && s.rubric.length
        ? el("table", { id: "rubric" }, el("tbody", {}, s.rubric.map((r) => el("tr", {}, el("td", { class: "num", text: String(r.score) }), el("td", {}, el("strong", { text: r.label }), r.description ? el("div", { class: "muted", text: r.description }) : null)))))
        : null,
    );
  };
  const next = async () => {
    state.slot = await send("POST", "/v1/assessments/" + enc(assessment) + "/grade-next", { rater });
    draw();
    await countWaiting();
  };
  const grade = async (score) => {
    const s = state.slot;
    if (!s || state.busy) return;
    state.busy = true;
    try {
      const g = await send("PUT", `/v1/responses/${s.response}/grades/${enc(s.item)}`, { rater, score });
      state.graded++;
      graded.textContent = String(state.graded);
      last.textContent = `Response ${g.response}, item ${g.item}: ${g.score} (${g.state})`;
      await next();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) showError(e);
    } finally {
      state.busy = false;
    }
  };
  const onKey = (e) => {
    if (e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
    if (!/^[0-9]$/.test(e.key)) return;
    const p = state.points.find((x) => x === Number(e.key));
    if (p === undefined) return;
    e.preventDefault();
    grade(p);
  };
  document.addEventListener("keydown", onKey);
  return {
    name: "grade",
    root,
    live: false, // (grading needs no event stream, and a rater's token may not read it)
    reload: () =>
      next().catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) showError(e);
      }),
    leave: () => document.removeEventListener("keydown", onKey),
    onEvent() {},
    afterEvents() {},
  };
}
