// cloaca ui: executions, one execution's DAG and timeline, live through server-sent events.
// Every piece of user data (names, errors, contexts) is put in the page with textContent or an SVG
// attribute, never parsed as HTML.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const STATUSES = ["NotStarted", "Ready", "Running", "Completed", "Failed", "Skipped", "retrying"];
const NODE_W = 160, NODE_H = 34, COL_STEP = 230, ROW_STEP = 46, PAD = 12;
const token = new URLSearchParams(location.search).get("token");

const state = { route: null, schema: "", execution: null, openTasks: new Set(), selected: null,
  fetching: false, again: false, retryTimer: null, source: null, offersSchemas: false };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function api(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  // /api/info describes the whole database; everything else reads the chosen tenant's schema.
  if (state.schema && path !== "/api/info") q.set("schema", state.schema);
  if (token) q.set("token", token);
  const qs = q.toString();
  return path + (qs ? "?" + qs : "");
}

async function getJson(path, params) {
  const response = await fetch(api(path, params), { headers: { "Accept": "application/json" } });
  const body = await response.json().catch(() => ({ error: "HTTP " + response.status }));
  if (!response.ok) {
    const error = new Error(body.error || ("HTTP " + response.status));
    error.status = response.status;
    throw error;
  }
  return body;
}

function banner(message) {
  $("banner").hidden = !message;
  $("banner").textContent = message || "";
}

// ---- routing: #/?workflow=&status=&page=  and  #/executions/<id> ---------------------------------

function parseRoute() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  if (params.has("schema")) state.schema = params.get("schema");
  const m = path.match(/^\/executions\/(.+)$/);
  if (m) return { view: "detail", id: decodeURIComponent(m[1]) };
  return { view: "list", workflow: params.get("workflow") || "", status: params.get("status") || "",
    page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1) };
}

function listHash(r) {
  const q = new URLSearchParams();
  if (state.schema) q.set("schema", state.schema);
  if (r.workflow) q.set("workflow", r.workflow);
  if (r.status) q.set("status", r.status);
  if (r.page > 1) q.set("page", r.page);
  const qs = q.toString();
  return "#/" + (qs ? "?" + qs : "");
}

function detailHash(id) {
  return "#/executions/" + encodeURIComponent(id) + (state.schema ? "?schema=" + encodeURIComponent(state.schema) : "");
}

function onRoute() {
  const previousSchema = state.schema;
  state.route = parseRoute();
  $("list-view").hidden = state.route.view !== "list";
  $("detail-view").hidden = state.route.view !== "detail";
  if (state.route.view === "detail" && (!state.execution || state.execution.execution.id !== state.route.id)) {
    state.execution = null;
    state.openTasks.clear();
    state.selected = null;
    for (const id of ["dag", "timeline", "tasks"]) $(id).replaceChildren();
  }
  if (previousSchema !== state.schema || !state.source) connectEvents();
  refresh();
}

// ---- fetching: one request at a time, one more if something changed meanwhile ------------------

async function refresh() {
  if (state.fetching) { state.again = true; return; }
  state.fetching = true;
  clearTimeout(state.retryTimer);
  try {
    if (state.route.view === "list") await loadList(); else await loadDetail();
    banner(null);
  } catch (e) {
    if (e.status === 404 || e.status === 400 || e.status === 401) {
      banner(e.message);
    } else {
      banner("Cannot read the database: " + e.message + "\nRetrying every few seconds.");
      state.retryTimer = setTimeout(refresh, 2000);
    }
  } finally {
    state.fetching = false;
    if (state.again) { state.again = false; refresh(); }
  }
}

async function loadInfo() {
  try {
    const info = await getJson("/api/info");
    $("database").textContent = info.database;
    state.offersSchemas = info.offersSchemas;
    $("schema-picker").hidden = !info.offersSchemas;
    if (info.offersSchemas) {
      const select = $("schema");
      const options = [el("option", { value: "" }, "(default)")];
      for (const s of info.schemas) options.push(el("option", { value: s }, s));
      select.replaceChildren(...options);
      select.value = state.schema;
    }
    if (info.error) banner("Cannot read the database: " + info.error);
  } catch (e) {
    banner("Cannot reach the server: " + e.message);
    setTimeout(loadInfo, 2000);
  }
}

// ---- executions ---------------------------------------------------------------------------------

function duration(ms) {
  if (ms === null || ms === undefined) return "";
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  const s = Math.round(ms / 1000);
  return Math.floor(s / 60) + " min " + (s % 60) + " s";
}

function time(ms) {
  return ms ? new Date(ms).toLocaleString() : "";
}

async function loadList() {
  const r = state.route;
  const data = await getJson("/api/executions", { workflow: r.workflow, status: r.status, page: r.page });
  const wf = $("filter-workflow");
  const names = new Set(data.workflows);
  if (r.workflow) names.add(r.workflow);
  wf.replaceChildren(el("option", { value: "" }, "all"), ...[...names].sort().map((n) => el("option", { value: n }, n)));
  wf.value = r.workflow;
  $("filter-status").value = r.status;
  $("note").textContent = data.note || (data.total + " execution" + (data.total === 1 ? "" : "s"));
  const rows = data.executions.map((e) => {
    const tr = el("tr", { "data-id": e.id, "class": "execution status-row-" + e.status });
    const badge = el("span", { "class": "badge " + e.status }, e.status);
    const tdStatus = el("td");
    tdStatus.append(badge);
    const counts = e.taskCounts || {};
    const done = (counts.Completed || 0);
    let tasks = done + "/" + e.tasks + " completed";
    if (counts.Failed) tasks += ", " + counts.Failed + " failed";
    if (counts.Running) tasks += ", " + counts.Running + " running";
    const tdWorkflow = el("td", {}, e.workflow);
    if (e.startedBy !== "execute") tdWorkflow.append(" ", el("span", { "class": "tag " + e.startedBy, "title": startedBy(e) }, e.startedBy));
    tr.append(tdStatus, tdWorkflow, el("td", { "class": "id" }, e.id), el("td", {}, time(e.startedAt)),
      el("td", {}, duration((e.completedAt || Date.now()) - e.startedAt)), el("td", {}, tasks),
      el("td", { "class": "error" }, e.error || ""));
    tr.addEventListener("click", () => { location.hash = detailHash(e.id); });
    return tr;
  });
  $("executions").tBodies[0].replaceChildren(...rows);
  const pages = Math.max(1, Math.ceil(data.total / data.limit));
  $("page-info").textContent = "page " + data.page + " of " + pages;
  $("prev").disabled = data.page <= 1;
  $("next").disabled = data.page >= pages;
}

// "started by cron schedule <id>" or "started by trigger <name>"
function startedBy(e) {
  return e.startedBy === "cron" ? "started by cron schedule " + e.scheduleId : "started by trigger " + e.triggerName;
}

// ---- one execution ------------------------------------------------------------------------------

async function loadDetail() {
  const data = await getJson("/api/executions/" + encodeURIComponent(state.route.id));
  state.execution = data;
  const e = data.execution;
  $("exec-workflow").textContent = e.workflow;
  $("exec-status").textContent = e.status;
  $("exec-status").className = "badge " + e.status;
  const end = e.completedAt || data.now;
  $("exec-meta").textContent = e.id + (e.startedBy !== "execute" ? " · " + startedBy(e) : "")
    + " · started " + time(e.startedAt) + " · " + duration(end - e.startedAt)
    + (e.completedAt ? "" : " so far") + " · " + data.tasks.length + " tasks";
  $("exec-error").textContent = e.error || "";
  drawLegend();
  drawDag(data.tasks);
  drawTimeline(data);
  drawTasks(data);
}

function taskStatus(t) {
  return t.retrying ? "retrying" : t.status;
}

function drawLegend() {
  if ($("legend").childElementCount) return;
  for (const s of STATUSES) {
    const span = el("span", {}, s);
    span.style.setProperty("--swatch", "var(--" + s + ")");
    $("legend").append(span);
  }
}

/** Columns by level (a task sits one column right of its deepest dependency), rows ordered by parents. */
function layout(tasks) {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const level = new Map();
  const visiting = new Set();
  const levelOf = (t) => {
    if (level.has(t.name)) return level.get(t.name);
    if (visiting.has(t.name)) return 0; // a cycle cannot be stored, but a page must not hang on one
    visiting.add(t.name);
    let l = 0;
    for (const d of t.dependencies) if (byName.has(d)) l = Math.max(l, levelOf(byName.get(d)) + 1);
    level.set(t.name, l);
    return l;
  };
  tasks.forEach(levelOf);
  const columns = [];
  for (const t of tasks) (columns[level.get(t.name)] ||= []).push(t);
  const row = new Map();
  columns.forEach((column, i) => {
    const key = (t) => {
      const parents = t.dependencies.filter((d) => row.has(d)).map((d) => row.get(d));
      return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : -1;
    };
    column.sort((a, b) => (i === 0 ? 0 : key(a) - key(b)) || a.label.localeCompare(b.label));
    column.forEach((t, j) => row.set(t.name, j));
  });
  const position = new Map();
  for (const t of tasks) position.set(t.name, { x: PAD + level.get(t.name) * COL_STEP, y: PAD + row.get(t.name) * ROW_STEP });
  const rows = Math.max(1, ...columns.map((c) => c.length));
  return { position, width: PAD * 2 + (columns.length - 1) * COL_STEP + NODE_W, height: PAD * 2 + (rows - 1) * ROW_STEP + NODE_H };
}

function fit(label, max) {
  return label.length > max ? label.slice(0, max - 1) + "…" : label;
}

function drawDag(tasks) {
  const { position, width, height } = layout(tasks);
  const root = svg("svg", { width, height, id: "dag-svg" });
  const edges = svg("g", { "class": "edges" });
  for (const t of tasks) {
    const to = position.get(t.name);
    for (const d of t.dependencies) {
      const from = position.get(d);
      if (!from) continue;
      const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2, mid = (x1 + x2) / 2;
      edges.append(svg("path", { "class": "edge", "data-from": d, "data-to": t.name,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }));
    }
  }
  root.append(edges);
  for (const t of tasks) {
    const p = position.get(t.name);
    const status = taskStatus(t);
    const g = svg("g", { "class": "node" + (state.selected === t.name ? " selected" : ""), "data-task": t.label,
      "data-status": status, transform: `translate(${p.x},${p.y})` });
    g.append(svg("title", {}, t.label + ": " + status + (t.attemptsUsed > 1 ? " (" + t.attemptsUsed + " attempts)" : "")));
    g.append(svg("rect", { "class": "status-" + status, width: NODE_W, height: NODE_H }));
    g.append(svg("text", { x: 8, y: NODE_H / 2 + 4 }, fit(t.label, 21)));
    g.addEventListener("click", () => selectTask(t.name));
    root.append(g);
  }
  $("dag").replaceChildren(root);
}

/** Ticks 1, 2 or 5 times a power of ten milliseconds apart, about eight across. */
function tickStep(span) {
  const raw = span / 8;
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function drawTimeline(data) {
  const e = data.execution;
  const start = e.startedAt;
  let end = e.completedAt || data.now;
  const rows = data.tasks.filter((t) => t.attempts.length)
    .sort((a, b) => (a.attempts[0].startedAt || 0) - (b.attempts[0].startedAt || 0) || a.label.localeCompare(b.label));
  for (const t of rows) for (const a of t.attempts) end = Math.max(end, a.endedAt || data.now);
  const span = Math.max(1, end - start);
  const LABEL = 170, ROW = 22, AXIS = 22;
  const width = Math.max(600, $("timeline").clientWidth - 20);
  const plot = width - LABEL - 20;
  const x = (ms) => LABEL + ((ms - start) / span) * plot;
  const root = svg("svg", { width, height: AXIS + rows.length * ROW + 8, id: "timeline-svg" });
  const axis = svg("g", { "class": "axis" });
  const step = tickStep(span);
  for (let t = 0; t <= span; t += step) {
    axis.append(svg("line", { x1: x(start + t), x2: x(start + t), y1: AXIS - 4, y2: AXIS + rows.length * ROW }));
    // A label too close to the right edge would be cut off; its line alone marks the tick.
    if (x(start + t) + 45 < width) axis.append(svg("text", { x: x(start + t) + 2, y: 12 }, span < 2000 ? t + " ms" : (t / 1000) + " s"));
  }
  root.append(axis);
  rows.forEach((t, i) => {
    const y = AXIS + i * ROW;
    root.append(svg("text", { x: 4, y: y + 15 }, fit(t.label, 24)));
    for (const a of t.attempts) {
      const from = a.startedAt || start, to = a.endedAt || data.now;
      const bar = svg("rect", { "class": "bar status-" + (a.outcome === "Running" ? "Running" : a.outcome),
        "data-task": t.label, "data-attempt": a.attempt, x: x(from), y: y + 3,
        width: Math.max(2, x(to) - x(from)), height: ROW - 6 });
      bar.append(svg("title", {}, t.label + " attempt " + a.attempt + ": " + a.outcome + ", "
        + duration(to - from) + (a.error ? "\n" + a.error : "")));
      root.append(bar);
    }
  });
  $("timeline").replaceChildren(root);
}

function drawTasks(data) {
  const start = data.execution.startedAt;
  const blocks = data.tasks.slice().sort((a, b) => a.label.localeCompare(b.label)).map((t) => {
    const d = el("details", { "class": "task", "data-task": t.label, id: "task-" + t.id });
    if (state.openTasks.has(t.name) || (t.status === "Failed" && !state.openTasks.has("closed:" + t.name))) d.open = true;
    d.addEventListener("toggle", () => {
      if (d.open) { state.openTasks.add(t.name); state.openTasks.delete("closed:" + t.name); }
      else { state.openTasks.delete(t.name); state.openTasks.add("closed:" + t.name); }
    });
    const summary = el("summary");
    summary.append(el("span", { "class": "label" }, t.label), el("span", { "class": "badge " + taskStatus(t) }, taskStatus(t)),
      el("span", { "class": "meta" }, "attempts " + t.attemptsUsed + "/" + t.maxAttempts
        + (t.recoveries ? ", recovered " + t.recoveries + "×" : "")));
    d.append(summary);
    if (t.dependencies.length) {
      d.append(el("div", {}, "depends on: " + t.dependencies.map((n) => n.slice(n.lastIndexOf("::") + 2)).join(", ")));
    }
    if (t.attempts.length) {
      const table = el("table", { "class": "attempts" });
      table.append(el("tr")); table.rows[0].append(el("th", {}, "attempt"), el("th", {}, "started at"),
        el("th", {}, "took"), el("th", {}, "outcome"), el("th", {}, "error"));
      for (const a of t.attempts) {
        const tr = el("tr");
        tr.append(el("td", {}, a.attempt), el("td", {}, a.startedAt ? "+" + duration(a.startedAt - start) : ""),
          el("td", {}, duration((a.endedAt || data.now) - (a.startedAt || start))), el("td", {}, a.outcome),
          el("td", { "class": "error" }, a.error || ""));
        table.append(tr);
      }
      d.append(table);
    }
    if (t.error) d.append(el("pre", { "class": "error task-error" }, t.error));
    if (t.errorDetails && t.errorDetails !== t.error) d.append(el("pre", { "class": "error" }, t.errorDetails));
    if (t.output !== null && t.output !== undefined) {
      const ctx = el("details", { "class": "context" });
      ctx.append(el("summary", {}, "context it produced"), el("pre", {}, JSON.stringify(t.output, null, 2)));
      if (state.openTasks.has("ctx:" + t.name)) ctx.open = true;
      ctx.addEventListener("toggle", () => ctx.open ? state.openTasks.add("ctx:" + t.name) : state.openTasks.delete("ctx:" + t.name));
      d.append(ctx);
    }
    return d;
  });
  $("tasks").replaceChildren(...blocks);
}

function selectTask(name) {
  state.selected = name;
  state.openTasks.add(name);
  if (state.execution) {
    drawDag(state.execution.tasks);
    drawTasks(state.execution);
    const t = state.execution.tasks.find((x) => x.name === name);
    if (t) $("task-" + t.id).scrollIntoView({ block: "nearest" });
  }
}

// ---- live updates -------------------------------------------------------------------------------

function connectEvents() {
  if (state.source) state.source.close();
  const source = new EventSource(api("/api/events"));
  state.source = source;
  source.addEventListener("open", () => { $("live").textContent = "live"; $("live").className = "on"; });
  source.addEventListener("error", () => { $("live").textContent = "reconnecting"; $("live").className = "off"; });
  source.addEventListener("status", (event) => {
    const { error } = JSON.parse(event.data);
    if (error) banner("Cannot read the database: " + error + "\nRetrying every few seconds.");
    else refresh();
  });
  source.addEventListener("change", (event) => {
    const change = JSON.parse(event.data);
    if (state.route.view === "list") { refresh(); return; }
    const current = state.execution && state.execution.execution;
    if (!current || change.executions.includes(state.route.id) || current.status === "Running") refresh();
  });
}

// ---- wiring -------------------------------------------------------------------------------------

function setFilter(changes) {
  location.hash = listHash({ ...state.route, ...changes });
}

document.addEventListener("DOMContentLoaded", () => {
  $("filter-workflow").addEventListener("change", (e) => setFilter({ workflow: e.target.value, page: 1 }));
  $("filter-status").addEventListener("change", (e) => setFilter({ status: e.target.value, page: 1 }));
  $("prev").addEventListener("click", () => setFilter({ page: state.route.page - 1 }));
  $("next").addEventListener("click", () => setFilter({ page: state.route.page + 1 }));
  $("schema").addEventListener("change", (e) => {
    state.schema = e.target.value;
    location.hash = listHash({ workflow: "", status: "", page: 1 });
  });
  window.addEventListener("hashchange", onRoute);
  loadInfo();
  onRoute();
});
