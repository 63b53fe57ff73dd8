// lib.js — what the dashboard's views share: its state, DOM helpers (text only, never HTML from
// data), the API with the user's token, and the figures (SVG histograms, bars).
export const TOKEN_KEY = "assay-token";
export const FLUSH_MS = 250;
export const FEED_MAX = 50;
export const S = {
  token: null,
  view: null, // {name, render, onEvent, reload}
  seqs: {}, // the last notification's seq from each engine (node)
  pending: [], // events not applied yet
  flushTimer: null,
  stream: null, // the AbortController of the event stream
  tick: null, // the 1 s timer of countdowns
  signOut: null, // app.js's: forget the token, show the sign-in form with a reason
};

// ---- DOM helpers: text only, never HTML from data ----
export function el(tag, attrs, ...children) {
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
export const $ = (sel) => document.querySelector(sel);
export const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(d));
export const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
export const enc = encodeURIComponent;

// ---- the API ----
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function api(path) {
  return send("GET", path);
}

// A request with a JSON body (null: none); the reply's JSON, or an ApiError with the server's message.
export async function send(method, path, body = null) {
  const headers = { Authorization: "Bearer " + S.token };
  if (body !== null) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === null ? undefined : JSON.stringify(body), cache: "no-store" });
  let reply = null;
  try {
    reply = await r.json();
  } catch (_) {
    reply = null;
  }
  if (!r.ok) {
    const msg = reply && reply.error ? reply.error.message : "HTTP " + r.status;
    if (r.status === 401 && S.token) S.signOut(msg);
    throw new ApiError(r.status, msg);
  }
  return reply;
}

// Every page of a list: GET path?limit=200&cursor=... until next_cursor is null (at most max rows).
export async function all(path, key, max = 2000) {
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
export function refresher(fn) {
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

export function showError(e) {
  const box = $("#view .error-box") || $("#view").insertBefore(el("p", { class: "error error-box", role: "alert" }), $("#view").firstChild);
  box.textContent = String(e.message || e);
}


// ---- figures ----
export function histogram(bins, labels, opts = {}) {
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

export function bar(x, max = 1) {
  if (x === null || x === undefined) return el("span", { class: "muted", text: "–" });
  const w = Math.min(100, (100 * Math.abs(x)) / max);
  const b = el("span", { class: "bar" + (x < 0 ? " neg" : "") });
  b.style.width = w + "px";
  return b;
}

export function figure(key, label, value) {
  return el("div", { class: "figure" }, el("div", { class: "v", "data-figure": key, text: value }), el("div", { class: "k", text: label }));
}

// Why an item needs attention (null: it does not). Thresholds are the usual classical test
// theory ones: discrimination below 0.1 (or negative), p-value below 0.1 or above 0.95.
export function attention(it, n) {
  if (n < 2) return null;
  const why = [];
  if (it.discrimination !== null && it.discrimination < 0) why.push("negative discrimination");
  else if (it.discrimination !== null && it.discrimination < 0.1) why.push("near-zero discrimination");
  if (it.p_value !== null && it.p_value < 0.1) why.push("p-value near 0");
  if (it.p_value !== null && it.p_value > 0.95) why.push("p-value near 1");
  return why.length ? why.join(", ") : null;
}
