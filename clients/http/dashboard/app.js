// assay dashboard: plain JavaScript, no dependencies, no build step. It holds no data of its own:
// everything is read through assay-http's API with the token the user gives (kept in
// sessionStorage), and kept current by the engine's notifications (Server-Sent Events from
// GET /v1/events, read with fetch so the token travels in the Authorization header). Events are
// queued and applied in batches (at most every 250 ms); a gap in their seq reads the view again.
"use strict";

(() => {
  const TOKEN_KEY = "assay-token";
  const FLUSH_MS = 250;
  const FEED_MAX = 50;
  const S = {
    token: null,
    view: null, // {name, render, onEvent, reload}
    seq: null, // the last notification's seq
    pending: [], // events not applied yet
    flushTimer: null,
    stream: null, // the AbortController of the event stream
    tick: null, // the 1 s timer of countdowns
  };

  // ---- DOM helpers: text only, never HTML from data ----
  function el(tag, attrs, ...children) {
    const ns = ["svg", "rect", "text", "line", "g", "title"].includes(tag) ? "http://www.w3.org/2000/svg" : null;
    const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.setAttribute("class", v);
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  const $ = (sel) => document.querySelector(sel);
  const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(d));
  const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
  const enc = encodeURIComponent;

  // ---- the API ----
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path) {
    const r = await fetch(path, { headers: { Authorization: "Bearer " + S.token }, cache: "no-store" });
    let body = null;
    try {
      body = await r.json();
    } catch (_) {
      body = null;
    }
    if (!r.ok) {
      const msg = body && body.error ? body.error.message : "HTTP " + r.status;
      if (r.status === 401 && S.token) signOut(msg);
      throw new ApiError(r.status, msg);
    }
    return body;
  }

  // Every page of a list: GET path?limit=200&cursor=... until next_cursor is null (at most max rows).
  async function all(path, key, max = 2000) {
    const rows = [];
    let cursor = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const page = await api(path + sep + "limit=200" + (cursor ? "&cursor=" + enc(cursor) : ""));
      rows.push(...page[key]);
      cursor = page.next_cursor;
    } while (cursor && rows.length < max);
    return rows;
  }

  // A fetch that may run again while it is in flight: one at a time, the last request wins.
  function refresher(fn) {
    let running = false;
    let again = false;
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await fn();
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) showError(e);
      } finally {
        running = false;
        if (again) {
          again = false;
          run();
        }
      }
    };
    return run;
  }

  // ---- sign in ----
  function takeToken() {
    const m = location.hash.match(/^#token=([^&]+)/);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname + "#/");
    }
    S.token = sessionStorage.getItem(TOKEN_KEY);
  }

  function signOut(why) {
    sessionStorage.removeItem(TOKEN_KEY);
    S.token = null;
    S.view = null;
    stopStream();
    document.body.dataset.view = "login";
    $("#view").replaceChildren();
    $("#login").hidden = false;
    $("#login-error").textContent = why || "";
  }

  function showError(e) {
    const box = $("#view .error-box") || $("#view").insertBefore(el("p", { class: "error error-box", role: "alert" }), $("#view").firstChild);
    box.textContent = String(e.message || e);
  }

  // ---- the event stream ----
  function stopStream() {
    if (S.stream) S.stream.abort();
    S.stream = null;
    setLive(false);
  }

  function setLive(on) {
    const l = $("#live");
    l.className = "live " + (on ? "on" : "off");
    l.textContent = on ? "live" : "offline";
  }

  // Reads text/event-stream from fetch: blocks separated by a blank line, "event:", "data:", "id:".
  async function startStream() {
    stopStream();
    const ctl = new AbortController();
    S.stream = ctl;
    try {
      const r = await fetch("/v1/events", {
        headers: { Authorization: "Bearer " + S.token, Accept: "text/event-stream" },
        signal: ctl.signal,
        cache: "no-store",
      });
      if (r.status === 401) {
        let msg = "the token was refused";
        try {
          msg = (await r.json()).error.message;
        } catch (_) {
          // keep the generic message
        }
        if (S.token) signOut(msg);
        return;
      }
      if (!r.ok) throw new Error("events: HTTP " + r.status);
      setLive(true);
      // events missed while not connected: read the view again
      if (S.seq !== null) resync();
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let at;
        while ((at = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const ev = {};
          for (const line of block.split("\n")) {
            if (!line || line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const k = colon < 0 ? line : line.slice(0, colon);
            const v = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            ev[k] = ev[k] === undefined ? v : ev[k] + "\n" + v;
          }
          if (ev.event && ev.data !== undefined) queueEvent(ev.event, JSON.parse(ev.data));
        }
      }
    } catch (e) {
      if (ctl.signal.aborted) return;
    }
    if (S.stream !== ctl) return;
    setLive(false);
    setTimeout(() => {
      if (S.stream === ctl && S.token) startStream();
    }, 1000);
  }

  function queueEvent(topic, data) {
    S.pending.push({ topic, data });
    if (!S.flushTimer) S.flushTimer = setTimeout(flush, FLUSH_MS);
  }

  function resync() {
    if (S.view && S.view.reload) S.view.reload();
  }

  // Applies the queued events in one batch; a gap in seq means some were lost: read again.
  function flush() {
    S.flushTimer = null;
    const batch = S.pending;
    S.pending = [];
    let gap = false;
    for (const { topic, data } of batch) {
      if (typeof data.seq === "number") {
        if (S.seq !== null && data.seq > S.seq + 1) gap = true;
        if (S.seq === null || data.seq > S.seq) S.seq = data.seq;
      }
      if (S.view && S.view.onEvent) S.view.onEvent(topic, data);
    }
    if (S.view && S.view.afterEvents) S.view.afterEvents(batch.length);
    if (gap) resync();
    document.body.dataset.seq = S.seq === null ? "" : String(S.seq);
  }

  // ---- figures ----
  function histogram(bins, labels, opts = {}) {
    const w = opts.width || 420;
    const h = opts.height || 150;
    const pad = 22;
    const max = Math.max(1, ...bins);
    const bw = (w - 2 * pad) / bins.length;
    const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", role: "img", "aria-label": opts.label || "histogram", "data-histogram": bins.join(",") });
    bins.forEach((c, i) => {
      const bh = ((h - 2 * pad) * c) / max;
      const x = pad + i * bw;
      svg.append(
        el("rect", { class: "hbar", x: x + 1, y: h - pad - bh, width: Math.max(1, bw - 2), height: bh }, el("title", { text: `${labels[i]}: ${c}` })),
        el("text", { x: x + bw / 2, y: h - pad - bh - 3, "text-anchor": "middle", text: c ? String(c) : "" }),
      );
    });
    svg.append(el("line", { x1: pad, x2: w - pad, y1: h - pad, y2: h - pad, stroke: "#c8cdd6" }));
    svg.append(el("text", { x: pad, y: h - 6, text: labels[0].split("–")[0] }));
    svg.append(el("text", { x: w - pad, y: h - 6, "text-anchor": "end", text: labels[labels.length - 1].split("–")[1] || "" }));
    return svg;
  }

  function bar(x, max = 1) {
    if (x === null || x === undefined) return el("span", { class: "muted", text: "–" });
    const w = Math.min(100, (100 * Math.abs(x)) / max);
    const b = el("span", { class: "bar" + (x < 0 ? " neg" : "") });
    b.style.width = w + "px";
    return b;
  }

  function figure(key, label, value) {
    return el("div", { class: "figure" }, el("div", { class: "v", "data-figure": key, text: value }), el("div", { class: "k", text: label }));
  }

  // Why an item needs attention (null: it does not). Thresholds are the usual classical test
  // theory ones: discrimination below 0.1 (or negative), p-value below 0.1 or above 0.95.
  function attention(it, n) {
    if (n < 2) return null;
    const why = [];
    if (it.discrimination !== null && it.discrimination < 0) why.push("negative discrimination");
    else if (it.discrimination !== null && it.discrimination < 0.1) why.push("near-zero discrimination");
    if (it.p_value !== null && it.p_value < 0.1) why.push("p-value near 0");
    if (it.p_value !== null && it.p_value > 0.95) why.push("p-value near 1");
    return why.length ? why.join(", ") : null;
  }

  // ---- views ----
  function viewAssessments() {
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

  function viewAssessment(id) {
    const state = { report: null, attempts: [], fetchedAt: 0, feed: [], dirty: false, attemptsDirty: false, arrived: 0 };
    const figures = el("div", { class: "figures" });
    const hist = el("div", {});
    const items = el("tbody", { id: "items" });
    const attempts = el("tbody", { id: "attempts" });
    const feed = el("ul", { class: "feed", id: "feed" });
    const arrived = el("span", { "data-figure": "arrived", text: "0" });
    const root = el(
      "div",
      {},
      el("h1", {}, el("a", { href: "#/", text: "Assessments" }), " / ", id),
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
      el(
        "div",
        { class: "card" },
        el("h2", { text: "Attempts in progress" }),
        el("table", {}, el("thead", {}, el("tr", {}, ["Attempt", "Learner", "Started", "State", "Time left"].map((h) => el("th", { text: h })))), attempts),
      ),
    );
    const drawReport = () => {
      const r = state.report;
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
      },
      afterEvents() {
        if (state.feed.length > FEED_MAX) state.feed.length = FEED_MAX;
        drawFeed();
        if (state.dirty) loadReport();
        if (state.attemptsDirty) loadAttempts();
        state.dirty = state.attemptsDirty = false;
      },
      tick: drawAttempts,
    };
  }

  function viewSkills() {
    const state = { dist: null, dirty: false, lastLoad: 0 };
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
    // the distribution is a scan of every learner's states: read at most once a second
    const load = refresher(async () => {
      state.lastLoad = performance.now();
      state.dist = await api("/v1/mastery/distribution");
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
        if (state.dirty && performance.now() - state.lastLoad >= 1000) {
          state.dirty = false;
          load();
        }
      },
    };
  }

  function viewLearner(learner) {
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

  // ---- routing ----
  function route() {
    if (!S.token) {
      signOut("");
      return;
    }
    $("#login").hidden = true;
    const h = location.hash || "#/";
    let v;
    let m;
    if ((m = h.match(/^#\/a\/(.+)$/))) v = viewAssessment(decodeURIComponent(m[1]));
    else if (h === "#/skills") v = viewSkills();
    else if ((m = h.match(/^#\/learner\/(.+)$/))) v = viewLearner(decodeURIComponent(m[1]));
    else v = viewAssessments();
    S.view = v;
    document.body.dataset.view = v.name;
    for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.dataset.view === (v.name === "assessment" ? "assessments" : v.name === "learner" ? "skills" : v.name));
    $("#view").replaceChildren(v.root);
    v.reload();
    if (!S.stream) startStream();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#login").addEventListener("submit", (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
      $("#token").value = "";
      S.token = sessionStorage.getItem(TOKEN_KEY);
      route();
    });
    $("#forget").addEventListener("click", () => signOut("Signed out."));
    window.addEventListener("hashchange", () => {
      takeToken();
      route();
    });
    S.tick = setInterval(() => S.view && S.view.tick && S.view.tick(), 1000);
    takeToken();
    route();
  });
})();
