// assay dashboard: plain JavaScript modules, no dependencies, no build step. It holds no data of
// its own: everything is read through assay-http's API with the token the user gives (kept in
// sessionStorage), and kept current by the engine's notifications (Server-Sent Events from
// GET /v1/events, read with fetch so the token travels in the Authorization header). Events are
// queued and applied in batches (at most every 250 ms); a gap in their seq reads the view again.
// app.js: signing in and out, the event stream, routing; lib.js: what views share; views.js.
import { $, FLUSH_MS, S, TOKEN_KEY } from "./lib.js";
import { tokenRater, viewGrade, viewRaterHome } from "./grading.js";
import { viewLearners } from "./learners.js";
import { viewAssessment, viewAssessments, viewLearner, viewSkills } from "./views.js";

// ---- sign in ----
function takeToken() {
  const m = location.hash.match(/^#token=([^&]+)/);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + "#/");
  }
  S.token = sessionStorage.getItem(TOKEN_KEY);
}

// also what lib.js's api() calls when the server refuses the token
S.signOut = signOut;

function signOut(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  S.token = null;
  leaveView();
  stopStream();
  document.body.dataset.view = "login";
  $("#view").replaceChildren();
  $("#login").hidden = false;
  $("#login-error").textContent = why || "";
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
    if (Object.keys(S.seqs).length) resync();
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

// Applies the queued events in one batch; a gap in an engine's seq means some were lost: read
// again. Each engine (data.node) numbers its own notifications.
function flush() {
  S.flushTimer = null;
  const batch = S.pending;
  S.pending = [];
  let gap = false;
  for (const { topic, data } of batch) {
    if (typeof data.seq === "number") {
      const node = typeof data.node === "string" ? data.node : "";
      const last = S.seqs[node];
      if (last !== undefined && data.seq > last + 1) gap = true;
      if (last === undefined || data.seq > last) S.seqs[node] = data.seq;
    }
    if (S.view && S.view.onEvent) S.view.onEvent(topic, data);
  }
  if (S.view && S.view.afterEvents) S.view.afterEvents(batch.length);
  if (gap) resync();
}

// ---- routing ----
function leaveView() {
  if (S.view && S.view.leave) S.view.leave();
  S.view = null;
}

function route() {
  if (!S.token) {
    signOut("");
    return;
  }
  $("#login").hidden = true;
  const h = location.hash || "#/";
  let v;
  let m;
  if ((m = h.match(/^#\/a\/([^/]+)\/learners$/))) v = viewLearners(decodeURIComponent(m[1]));
  else if ((m = h.match(/^#\/a\/(.+)$/))) v = viewAssessment(decodeURIComponent(m[1]));
  else if (h === "#/skills") v = viewSkills();
  else if ((m = h.match(/^#\/learner\/(.+)$/))) v = viewLearner(decodeURIComponent(m[1]));
  else if ((m = h.match(/^#\/grade\/([^/]+)(?:\/(.+))?$/))) v = viewGrade(decodeURIComponent(m[1]), m[2] ? decodeURIComponent(m[2]) : tokenRater(S.token));
  else if (tokenRater(S.token)) v = viewRaterHome(tokenRater(S.token)); // (a rater's token reads no reports)
  else v = viewAssessments();
  leaveView();
  S.view = v;
  document.body.dataset.view = v.name;
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.dataset.view === (v.name === "assessment" || v.name === "learners" ? "assessments" : v.name === "learner" ? "skills" : v.name));
  $("#view").replaceChildren(v.root);
  v.reload();
  if (v.live === false) stopStream();
  else if (!S.stream) startStream();
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
