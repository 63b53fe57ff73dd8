// views.js — the dashboard's four reading views (grading.js: the grading view; agreement.js: the
// agreement card of an assessment). Each returns {name, root, reload, onEvent, afterEvents,
// tick?}: app.js shows root, calls reload to read the view's data, hands it each event of a batch
// (onEvent) and then the end of the batch (afterEvents), and calls tick every second.
import { agreementCard } from "./agreement.js";
import { FEED_MAX, all, api, attention, bar, el, enc, figure, fmt, histogram, pct, refresher } from "./lib.js";

export function viewAssessments() {
  const state = { rows: [], reports: new Map(), dirty: new Set() };
  const body = el("tbody", { id: "assessments" });
  const root = el(
    "div",
    {},
    el("h1", { text: "Assessments" }),
    el(
      "div",
      { class: "card" },
      el("table", {}, el("thead", {}, el("tr", {}, ["Assessment", "Title", "Items", "Learners", "Mean", "Pass rate"].map((h) => el("th", { text: h })))), body),
    ),
  );
  const draw = () => {
    body.replaceChildren(
      ...state.rows.map((a) => {
        const r = state.reports.get(a.id);
        return el(
          "tr",
          { "data-assessment": a.id },
          el("td", {}, el("a", { href: "#/a/" + enc(a.id), text: a.id })),
          el("td", { text: a.title || "" }),
          el("td", { class: "num", text: a.items }),
          el("td", { class: "num", "data-col": "learners", text: r ? r.n : "…" }),
          el("td", { class: "num", "data-col": "mean", text: r ? `${fmt(r.mean)} / ${fmt(r.max_score, 0)}` : "…" }),
          el("td", { class: "num", "data-col": "pass_rate", text: r ? pct(r.pass_rate) : "…" }),
        );
      }),
    );
    if (!state.rows.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted", text: "No assessments yet." })));
  };
  const loadReports = async (ids) => {
    await Promise.all(
      ids.map(async (id) => {
        try {
          state.reports.set(id, await api("/v1/assessments/" + enc(id) + "/report"));
        } catch (e) {
          if (e.status !== 404) throw e;
        }
      }),
    );
  };
  const reload = refresher(async () => {
    state.rows = await all("/v1/assessments", "assessments", 500);
    await loadReports(state.rows.map((a) => a.id));
    draw();
  });
  const refreshDirty = refresher(async () => {
    const ids = [...state.dirty];
    state.dirty.clear();
    await loadReports(ids);
    draw();
  });
  return {
    name: "assessments",
    root,
    reload,
    onEvent(topic, data) {
      if (topic.startsWith("score.")) state.dirty.add(topic.slice(6));
      else if (topic.startsWith("assessment.")) state.needsReload = true;
    },
    afterEvents() {
      if (state.needsReload) {
        state.needsReload = false;
        reload();
      } else if (state.dirty.size) refreshDirty();
    },
  };
}

export function viewAssessment(id) {
  const state = { report: null, attempts: [], fetchedAt: 0, feed: [], dirty: false, attemptsDirty: false, arrived: 0 };
  const figures = el("div", { class: "figures" });
  const hist = el("div", {});
  const items = el("tbody", { id: "items" });
  const attempts = el("tbody", { id: "attempts" });
  const feed = el("ul", { class: "feed", id: "feed" });
  const arrived = el("span", { "data-figure": "arrived", text: "0" });
  const agreement = agreementCard(id);
  const grading = el("span", { hidden: true }, " · ", el("a", { href: "#/grade/" + enc(id), id: "grade-link", text: "Grade the answers waiting for people" }));
  const root = el(
    "div",
    {},
    el("h1", {}, el("a", { href: "#/", text: "Assessments" }), " / ", id),
    el("p", {}, el("a", { href: "#/a/" + enc(id) + "/learners", id: "learners-link", text: "Learners and their latest responses" }), grading),
    el("div", { class: "card" }, figures),
    el(
      "div",
      { class: "grid two" },
      el("div", { class: "card" }, el("h2", { text: "Scores (latest attempt per learner)" }), hist),
      el("div", { class: "card" }, el("h2", {}, "Submissions arriving (", arrived, " since opened)"), feed),
    ),
    el(
      "div",
      { class: "card" },
      el("h2", { text: "Items" }),
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, ["Item", "Mean", "p-value", "", "Discrimination", "", "Omitted", "Needs attention"].map((h) => el("th", { text: h })))),
        items,
      ),
    ),
    agreement.root,
    el(
      "div",
      { class: "card" },
      el("h2", { text: "Attempts in progress" }),
      el("table", {}, el("thead", {}, el("tr", {}, ["Attempt", "Learner", "Started", "State", "Time left"].map((h) => el("th", { text: h })))), attempts),
    ),
  );
  const drawReport = () => {
    const r = state.report;
    grading.hidden = r.pending === undefined; // (an assessment with graded items)
    if (r.pending !== undefined && !state.agreed) {
      state.agreed = true;
      agreement.load();
    }
    figures.replaceChildren(
      figure("n", "learners", r.n),
      figure("mean", "mean of " + fmt(r.max_score, 0), fmt(r.mean)),
      figure("sd", "standard deviation", fmt(r.sd)),
      figure("alpha", "Cronbach's alpha", fmt(r.alpha, 3)),
      figure("pass_rate", "pass rate", pct(r.pass_rate)),
      figure("version", "version", r.version),
    );
    hist.replaceChildren(
      histogram(
        r.histogram.map((b) => b.count),
        r.histogram.map((b) => `${fmt(b.from, 1)}–${fmt(b.to, 1)}`),
        { label: "score histogram" },
      ),
    );
    const flagged = [];
    items.replaceChildren(
      ...r.items.map((it) => {
        const why = attention(it, r.n);
        if (why) flagged.push(it.id);
        return el(
          "tr",
          { class: why ? "flag" : null, "data-item": it.id },
          el("td", { text: it.id }),
          el("td", { class: "num", text: fmt(it.mean) }),
          el("td", { class: "num", text: fmt(it.p_value) }),
          el("td", { class: "barcell" }, bar(it.p_value)),
          el("td", { class: "num", text: fmt(it.discrimination) }),
          el("td", { class: "barcell" }, bar(it.discrimination)),
          el("td", { class: "num", text: pct(it.omitted_rate) }),
          el("td", { class: "flagnote", text: why || "" }),
        );
      }),
    );
    root.dataset.flagged = flagged.join(",");
  };
  const drawAttempts = () => {
    const now = performance.now();
    attempts.replaceChildren(
      ...state.attempts.map((a) => {
        let left = "untimed";
        if (a.time_left_s !== null && a.time_left_s !== undefined) {
          const s = Math.max(0, a.time_left_s - (now - state.fetchedAt) / 1000);
          left = `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
        }
        return el("tr", { "data-attempt": a.id }, el("td", { text: a.id }), el("td", { text: a.learner }), el("td", { text: a.started_at }), el("td", { text: a.state }), el("td", { class: "num", text: left }));
      }),
    );
    if (!state.attempts.length) attempts.append(el("tr", {}, el("td", { colspan: 5, class: "muted", text: "None." })));
  };
  const drawFeed = () => {
    feed.replaceChildren(
      ...state.feed.map((e) => el("li", {}, `#${e.response_id} ${e.learner}: ${fmt(e.score)} / ${fmt(e.max_score, 0)}` + (e.regrade ? " (regrade)" : ""))),
    );
    if (!state.feed.length) feed.append(el("li", { class: "muted", text: "Waiting for submissions…" }));
    arrived.textContent = String(state.arrived);
  };
  const loadReport = refresher(async () => {
    state.report = await api("/v1/assessments/" + enc(id) + "/report");
    drawReport();
  });
  const loadAttempts = refresher(async () => {
    const [a, b] = await Promise.all([
      all("/v1/assessments/" + enc(id) + "/attempts?state=in_progress", "attempts", 500),
      all("/v1/assessments/" + enc(id) + "/attempts?state=overdue", "attempts", 500),
    ]);
    state.attempts = a.concat(b).sort((x, y) => x.id - y.id);
    state.fetchedAt = performance.now();
    drawAttempts();
  });
  return {
    name: "assessment",
    root,
    reload() {
      state.agreed = false; // (read again with the report, when it has graded items)
      loadReport();
      loadAttempts();
      drawFeed();
    },
    onEvent(topic, data) {
      if (topic === "score." + id) {
        state.feed.unshift(data);
        state.arrived++;
        state.dirty = true;
      } else if (topic === "attempt." + id) state.attemptsDirty = true;
      else if (topic === "assessment." + id) state.dirty = true;
      else if (topic === "grade." + id) state.gradesDirty = true;
    },
    afterEvents() {
      if (state.feed.length > FEED_MAX) state.feed.length = FEED_MAX;
      drawFeed();
      if (state.dirty) loadReport();
      if (state.attemptsDirty) loadAttempts();
      if (state.gradesDirty && state.agreed) agreement.load();
      state.dirty = state.attemptsDirty = state.gradesDirty = false;
    },
    tick: drawAttempts,
  };
}

export function viewSkills() {
  const state = { dist: null, dirty: false, lastLoad: 0, took: 0 };
  const cards = el("div", { class: "grid", id: "skills" });
  const input = el("input", { id: "learner", placeholder: "learner id", required: true });
  const root = el(
    "div",
    {},
    el("h1", { text: "Skills" }),
    el(
      "form",
      { class: "card lookup", onsubmit: (e) => { e.preventDefault(); location.hash = "#/learner/" + enc(input.value.trim()); } },
      el("label", {}, "One learner's mastery: ", input),
      " ",
      el("button", { type: "submit", text: "Show" }),
    ),
    cards,
  );
  const labels = [...Array(10).keys()].map((b) => `${(b / 10).toFixed(1)}–${((b + 1) / 10).toFixed(1)}`);
  const draw = () => {
    const skills = Object.entries(state.dist.skills);
    cards.replaceChildren(
      ...skills.map(([sid, d]) =>
        el(
          "div",
          { class: "card", "data-skill": sid },
          el("h2", { text: sid }),
          el("div", { class: "figures" }, figure("learners", "learners", d.learners), figure("mastered", "mastered", d.learners ? pct(d.mastered / d.learners) : "–"), figure("mean", "mean P(mastery)", fmt(d.mean))),
          histogram(d.histogram, labels, { height: 120, label: "mastery of " + sid }),
        ),
      ),
    );
    if (!skills.length) cards.append(el("p", { class: "muted", text: "No skills yet." }));
  };
  // the distribution is a scan of every learner's states (about 7 million a second): read at
  // most once a second, and no more than a tenth of the time, so a large engine is not kept busy
  const load = refresher(async () => {
    state.lastLoad = performance.now();
    state.dist = await api("/v1/mastery/distribution");
    state.took = performance.now() - state.lastLoad;
    draw();
  });
  return {
    name: "skills",
    root,
    reload: load,
    onEvent(topic) {
      if (topic.startsWith("mastery.") || topic.startsWith("skill.")) state.dirty = true;
    },
    afterEvents() {},
    tick() {
      if (state.dirty && performance.now() - state.lastLoad >= Math.max(1000, 10 * state.took)) {
        state.dirty = false;
        load();
      }
    },
  };
}

export function viewLearner(learner) {
  const state = { bkt: null, models: [], dirty: false, all: false };
  const table = el("table", { id: "mastery" });
  const toggle = el("button", { type: "button", class: "link", id: "all-concepts", onclick: () => { state.all = !state.all; draw(); } });
  const root = el("div", {}, el("h1", {}, el("a", { href: "#/skills", text: "Skills" }), " / learner ", learner), el("div", { class: "card" }, table, el("p", {}, toggle)));
  const draw = () => {
    // the skills the learner practised; every deep model's concept on request
    const skills = new Set(Object.keys(state.bkt.skills));
    const concepts = new Set(state.models.flatMap((m) => Object.keys(m.view.concepts)));
    if (state.all) for (const c of concepts) skills.add(c);
    const more = [...concepts].filter((c) => !skills.has(c)).length;
    toggle.textContent = state.all ? "Show the skills practised only" : more ? `Show the deep models' other ${more} concepts` : "";
    const head = ["Skill", "BKT P(mastery)", "", "BKT P(next right)", "Answers", "Mastered"];
    for (const m of state.models) head.push(`${m.id} (${m.view.kind}) P(next right)`, "");
    const rows = [...skills].sort().map((s) => {
      const b = state.bkt.skills[s];
      const cells = [
        el("td", { text: s }),
        el("td", { class: "num", text: b ? fmt(b.p_mastery, 3) : "–" }),
        el("td", { class: "barcell" }, bar(b ? b.p_mastery : null)),
        el("td", { class: "num", text: b ? fmt(b.p_correct_next, 3) : "–" }),
        el("td", { class: "num", text: b ? b.opportunities : "–" }),
        el("td", { text: b ? (b.mastered ? "yes" : "no") : "–" }),
      ];
      for (const m of state.models) {
        const p = m.view.concepts[s];
        cells.push(el("td", { class: "num", text: p === undefined ? "–" : fmt(p, 3) }), el("td", { class: "barcell" }, bar(p === undefined ? null : p)));
      }
      return el("tr", { "data-skill": s }, cells);
    });
    table.replaceChildren(el("thead", {}, el("tr", {}, head.map((h) => el("th", { text: h })))), el("tbody", {}, rows));
    if (!rows.length) table.append(el("tbody", {}, el("tr", {}, el("td", { class: "muted", text: "No answers from this learner yet." }))));
  };
  const load = refresher(async () => {
    const [bkt, models] = await Promise.all([api("/v1/learners/" + enc(learner) + "/mastery"), all("/v1/models", "models", 50)]);
    const views = await Promise.all(models.map(async (m) => ({ id: m.id, view: await api("/v1/learners/" + enc(learner) + "/mastery?model=" + enc(m.id)) })));
    state.bkt = bkt;
    state.models = views;
    draw();
  });
  return {
    name: "learner",
    root,
    reload: load,
    onEvent(topic) {
      if (topic === "mastery." + learner) state.dirty = true;
    },
    afterEvents() {
      if (state.dirty) {
        state.dirty = false;
        load();
      }
    },
  };
}
