// learners.js — the learners view, #/a/ASSESSMENT/learners: every learner who answered the
// assessment, with their latest response's score and state (pending: the graded items waiting for
// people), read from its responses a page of 200 at a time (at most MAX); a learner's name opens
// that response: its answers and each item's score (GET /v1/responses/ID). After a batch of
// score.<assessment> events, the learners they name are read again by learner (an index, not a
// scan); a gap or a reconnection reads everything again.
import { all, api, el, enc, fmt, refresher, showError } from "./lib.js";

const MAX = 20000; // responses read at the most
const BATCH_LEARNERS = 50; // learners of one batch of events read one by one; more: read it all

const td = (text, cls) => el("td", { class: cls || null, text: String(text) });
const stateText = (r) => (r.state === "pending" ? "waiting for people: " + (r.pending || []).join(", ") : "scored");
const answerText = (a) => (typeof a === "string" ? a : JSON.stringify(a));

export function viewLearners(id) {
  const state = { latest: new Map(), read: 0, total: 0, dirty: new Set() };
  const body = el("tbody", { id: "learners" });
  const note = el("p", { class: "muted", id: "learners-note" });
  const detail = el("div", { class: "card", id: "response", hidden: true });
  const root = el(
    "div",
    {},
    el("h1", {}, el("a", { href: "#/", text: "Assessments" }), " / ", el("a", { href: "#/a/" + enc(id), text: id }), " / learners"),
    el("div", { class: "card" }, note, el("table", {}, el("thead", {}, el("tr", {}, ["Learner", "Attempt", "Score", "State", "Submitted"].map((h) => el("th", { text: h })))), body)),
    detail,
  );
  const keep = (r) => {
    const cur = state.latest.get(r.learner);
    if (!cur || r.attempt >= cur.attempt) state.latest.set(r.learner, r);
  };
  const draw = () => {
    const rows = [...state.latest.values()].sort((a, b) => (a.learner < b.learner ? -1 : a.learner > b.learner ? 1 : 0));
    body.replaceChildren(
      ...rows.map((r) =>
        el(
          "tr",
          { "data-learner": r.learner },
          el("td", {}, el("button", { class: "link", type: "button", text: r.learner, onclick: () => openResponse(r.response_id) })),
          td(r.attempt, "num"),
          td(`${fmt(r.score)} / ${fmt(r.max_score, 0)}`, "num"),
          td(stateText(r)),
          td(r.submitted_at),
        ),
      ),
    );
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted", text: "No responses yet." })));
    note.textContent = `${rows.length} learners` + (state.read < state.total ? `, from the first ${state.read} of ${state.total} responses` : "");
  };
  const openResponse = async (rid) => {
    try {
      const r = await api("/v1/responses/" + rid);
      const answers = r.answers || {};
      detail.replaceChildren(
        el("h2", { text: `Response ${r.response_id}: ${r.learner}, attempt ${r.attempt}, ${fmt(r.score)} / ${fmt(r.max_score, 0)}` }),
        el(
          "table",
          { id: "response-items" },
          el("thead", {}, el("tr", {}, ["Item", "Answer", "Score", "Max"].map((h) => el("th", { text: h })))),
          el(
            "tbody",
            {},
            (r.items || []).map((it) => el("tr", { "data-item": it.id }, td(it.id), td(it.id in answers ? answerText(answers[it.id]) : "–"), td(fmt(it.score), "num"), td(fmt(it.max_score), "num"))),
          ),
        ),
      );
      if (!r.items) detail.append(el("p", { class: "muted", text: "The assessment has changed since: its items are not scored again." }));
      detail.hidden = false;
    } catch (e) {
      showError(e);
    }
  };
  const loadAll = refresher(async () => {
    const first = await api("/v1/assessments/" + enc(id) + "/responses?limit=1");
    const rows = await all("/v1/assessments/" + enc(id) + "/responses", "responses", MAX);
    state.latest = new Map();
    rows.forEach(keep);
    state.read = rows.length;
    state.total = Math.max(first.total, rows.length);
    draw();
  });
  const loadSome = refresher(async () => {
    const learners = [...state.dirty];
    state.dirty.clear();
    for (const l of learners) (await all("/v1/assessments/" + enc(id) + "/responses?learner=" + enc(l), "responses", MAX)).forEach(keep);
    draw();
  });
  return {
    name: "learners",
    root,
    reload: loadAll,
    onEvent(topic, data) {
      if (topic === "score." + id && typeof data.learner === "string") state.dirty.add(data.learner);
    },
    afterEvents() {
      if (state.dirty.size > BATCH_LEARNERS) {
        state.dirty.clear();
        loadAll();
      } else if (state.dirty.size) loadSome();
    },
  };
}
