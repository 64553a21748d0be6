// The audiospool dashboard. It talks only to the documented /v1 API
// (openapi.json). Everything a job or a user supplies (text, file names,
// error messages) reaches the page as text (textContent), never as HTML,
// and the key stays in a header: never in a URL.
"use strict";

const KEY_STORE = "audiospool.key";
const AUDIO = { wav: 1, flac: 1, mp3: 1, ogg: 1 };
const FINISHED = { done: 1, failed: 1, cancelled: 1 };

const page = {
  key: sessionStorage.getItem(KEY_STORE) || "",
  needsKey: false,
  jobs: new Map(),        // id → the Job document last received
  cards: new Map(),       // id → { element, json }
  blobs: new Map(),       // output link → object URL (with a key, audio is fetched with it)
  files: new Map(),       // output link → the promise of its Blob, fetched with the key
  pages: 1,               // pages of GET /v1/jobs shown: the newest, and each "Older jobs" asked for
  olderCursor: "",        // the next page's cursor, where there are older jobs
  listing: null,          // the last listing queued (they run one at a time)
  engines: null,
  stream: null,           // the AbortController of the event stream
  farmTimer: 0,
};

const $ = (id) => document.getElementById(id);

/// An element with attributes and children; strings become text nodes.
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

// ---- The API ---------------------------------------------------------------

class APIError extends Error {
  constructor(status, kind, message) {
    super(message);
    this.status = status;
    this.kind = kind;
  }
}

function headers(extra) {
  const all = Object.assign({}, extra || {});
  if (page.key) all.Authorization = "Bearer " + page.key;
  return all;
}

async function api(path, options) {
  const request = Object.assign({}, options || {});
  request.headers = headers(request.headers);
  const response = await fetch(path, request);
  if (response.status === 401) {
    askForKey(page.key ? "That key was not accepted (401): check it and try again." : "");
    throw new APIError(401, "unauthorized", "this server needs an API key");
  }
  if (!response.ok) {
    let kind = "error", message = response.status + " " + response.statusText;
    try {
      const body = await response.json();
      if (body && body.error) { kind = body.error.kind || kind; message = body.error.message || message; }
    } catch (_) { /* not JSON: keep the status line */ }
    throw new APIError(response.status, kind, message);
  }
  return response;
}

async function apiJSON(path, options) {
  return (await api(path, options)).json();
}

// ---- Keys ------------------------------------------------------------------

function askForKey(message) {
  page.needsKey = true;
  stopStream();
  $("app").hidden = true;
  $("auth").hidden = false;
  $("forget-key").hidden = true;
  $("auth-error").textContent = message || "";
  setConnection("needs a key", "down");
  $("auth-key").focus();
}

function useKey(event) {
  event.preventDefault();
  page.key = $("auth-key").value.trim();
  sessionStorage.setItem(KEY_STORE, page.key);
  $("auth-key").value = "";
  start();
}

function forgetKey() {
  sessionStorage.removeItem(KEY_STORE);
  page.key = "";
  page.jobs.clear();
  page.cards.clear();
  for (const url of page.blobs.values()) URL.revokeObjectURL(url);
  page.blobs.clear();
  page.files.clear();
  page.pages = 1;
  page.olderCursor = "";
  // The next tenant in this tab sees nothing of the last one's.
  $("jobs").replaceChildren();
  $("submissions").replaceChildren();
  $("farm").replaceChildren();
  askForKey("");
}

// ---- Start -----------------------------------------------------------------

async function start() {
  try {
    page.engines = await apiJSON("/v1/engines");
  } catch (error) {
    if (error.status !== 401) setConnection("cannot reach the API: " + error.message, "down");
    return;
  }
  $("auth").hidden = true;
  $("app").hidden = false;
  $("forget-key").hidden = !page.key;
  fillForm(page.engines);
  follow();
  refreshFarm();
}

function setConnection(text, state) {
  const node = $("connection");
  node.textContent = text;
  node.className = "connection " + (state || "");
}

// ---- The live queue: one event stream for every job ----------------------

function stopStream() {
  if (page.stream) page.stream.abort();
  page.stream = null;
}

/// Reads /v1/events with fetch, not EventSource, which cannot send the key
/// in a header; reconnects with a growing pause, and lists the jobs again
/// after each `ready` (sent once the server follows changes).
async function follow() {
  stopStream();
  const controller = new AbortController();
  page.stream = controller;
  let pause = 1000;
  while (!controller.signal.aborted) {
    try {
      const response = await api("/v1/events", { signal: controller.signal, headers: { Accept: "text/event-stream" } });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          await handleEvent(block);
          pause = 1000;
        }
      }
    } catch (error) {
      if (controller.signal.aborted || error.status === 401) return;
    }
    if (controller.signal.aborted) return;
    setConnection("reconnecting…", "down");
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 15000);
  }
}

async function handleEvent(block) {
  let name = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data += (data ? "\n" : "") + value;
  }
  if (name === "ready") {
    setConnection("live", "live");
    await listJobs();
  } else if (name === "job") {
    const job = JSON.parse(data);
    const before = page.jobs.get(job.id);
    // Between its status.json going and its move to done/, a running job has no phase: keep what it showed.
    if (job.state === "running" && !job.phase && before && before.state === "running" && before.phase) return;
    page.jobs.set(job.id, job);
    renderJob(job);
    placeCards();
    if (!before || before.state !== job.state) scheduleFarm();
  } else if (name === "removed") {
    const gone = JSON.parse(data).id;
    page.jobs.delete(gone);
    const card = page.cards.get(gone);
    if (card) card.element.remove();
    page.cards.delete(gone);
    placeCards();
  }
}

/// The jobs, newest first, a page of PAGE_SIZE at a time (GET /v1/jobs's
/// cursor): as many pages as are shown, so a reconnect keeps what "Older
/// jobs" brought in; a job in none of them is gone.
const PAGE_SIZE = 200;

/// Listings run one at a time: a reconnect's listing again and a press of
/// "Older jobs" never interleave (each would take the other's pages for gone).
function oneListingAtATime(task) {
  const run = (page.listing || Promise.resolve()).then(task);
  page.listing = run.catch(() => {});
  return run;
}

function listJobs() {
  return oneListingAtATime(listPages);
}

async function listPages() {
  try {
    const seen = new Set();
    let cursor = "";
    for (let number = 0; number < page.pages; number++) {
      const list = await jobPage(cursor);
      for (const job of list.jobs) seen.add(job.id);
      cursor = list.next_cursor || "";
      if (!cursor) break;
    }
    page.olderCursor = cursor;
    for (const id of [...page.jobs.keys()]) {
      if (seen.has(id)) continue;
      page.jobs.delete(id);
      const card = page.cards.get(id);
      if (card) card.element.remove();
      page.cards.delete(id);
    }
    placeCards();
  } catch (error) {
    if (error.status !== 401) setConnection("cannot list jobs: " + error.message, "down");
  }
}

/// One page of jobs, shown as it comes.
async function jobPage(cursor) {
  const list = await apiJSON("/v1/jobs?limit=" + PAGE_SIZE + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
  for (const job of list.jobs) {
    page.jobs.set(job.id, job);
    renderJob(job);
  }
  return list;
}

function showOlder() {
  const button = $("older");
  button.disabled = true;
  return oneListingAtATime(async () => {
    try {
      if (!page.olderCursor) return;
      const list = await jobPage(page.olderCursor);
      page.pages += 1;
      page.olderCursor = list.next_cursor || "";
      placeCards();
    } catch (error) {
      if (error.status !== 401) setConnection("cannot list older jobs: " + error.message, "down");
    } finally {
      button.disabled = false;
    }
  });
}

// ---- Job cards -------------------------------------------------------------

function newestFirst(a, b) {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function placeCards() {
  const list = $("jobs");
  const order = [...page.jobs.values()].sort(newestFirst);
  let previous = null;
  for (const job of order) {
    const card = page.cards.get(job.id);
    if (!card) continue;
    const wanted = previous ? previous.nextSibling : list.firstChild;
    if (wanted !== card.element) list.insertBefore(card.element, wanted);
    previous = card.element;
  }
  const counts = {};
  for (const job of order) counts[job.state] = (counts[job.state] || 0) + 1;
  $("counts").textContent = ["queued", "running", "done", "failed", "cancelled"]
    .filter((state) => counts[state]).map((state) => counts[state] + " " + state).join(" · ");
  $("empty").hidden = order.length > 0;
  $("older").hidden = !page.olderCursor;
}

function renderJob(job) {
  const json = JSON.stringify(job);
  const card = page.cards.get(job.id);
  if (card && card.json === json) return;
  const element = jobCard(job);
  if (card) card.element.replaceWith(element);
  page.cards.set(job.id, { element, json });
}

function title(job) {
  const metadata = job.metadata && typeof job.metadata === "object" ? job.metadata : {};
  if (typeof metadata.file === "string") return metadata.file;
  if (typeof metadata.title === "string") return metadata.title;
  return job.engine || "job";
}

function jobCard(job) {
  const state = job.state;
  const created = new Date(job.created_at);
  const card = el("li", { class: "job state-" + state, "data-id": job.id, "data-state": state },
    el("div", { class: "job-head" },
      el("span", { class: "badge state-" + state, text: state }),
      el("span", { class: "job-title", text: title(job) }),
      el("span", { class: "job-id", text: job.id }),
      el("time", { class: "job-time", datetime: job.created_at, text: isNaN(created) ? "" : created.toLocaleString() })));
  if (typeof job.text_preview === "string") card.append(el("p", { class: "job-text", text: job.text_preview }));
  if (state === "queued") card.append(queuedPart(job));
  if (state === "running") card.append(runningPart(job));
  if (state === "done") card.append(...donePart(job));
  if (state === "failed" || state === "cancelled") card.append(failedPart(job));
  card.append(actions(job));
  return card;
}

function queuedPart(job) {
  const parts = [];
  if (job.queue_position) parts.push("position " + job.queue_position);
  parts.push("waiting for a supervisor");
  return el("p", { class: "progress-text", text: parts.join(" · ") });
}

function seconds(value) {
  if (typeof value !== "number" || !isFinite(value)) return "";
  if (value < 60) return value.toFixed(1) + " s";
  if (value < 120) return Math.round(value) + " s";
  return Math.floor(value / 60) + " min " + Math.round(value % 60) + " s";
}

function runningPart(job) {
  const progress = typeof job.progress === "number" ? job.progress : 0;
  const facts = [Math.round(progress * 100) + "%"];
  if (typeof job.segments_total === "number") facts.push((job.segments_done || 0) + " of " + job.segments_total + " segments");
  if (typeof job.eta_s === "number") facts.push("ETA " + seconds(job.eta_s));
  if (job.phase && job.phase !== "running") facts.push(job.phase);
  // The device, and why a job that prefers a GPU is on the CPU.
  if (job.device || job.fallback_reason) {
    facts.push((job.device || "cpu") + (job.fallback_reason ? " because " + job.fallback_reason : ""));
  }
  if (job.attempt > 1) facts.push("attempt " + job.attempt);
  const part = el("div", { class: "progress" },
    el("progress", { max: 1, value: progress, "aria-label": "Progress of " + job.id }),
    el("span", { class: "progress-text", text: facts.join(" · ") }));
  if (job.message) part.append(el("span", { class: "progress-text", text: job.message }));
  return part;
}

function donePart(job) {
  const result = job.result || {};
  const links = (job.links && job.links.outputs) || {};
  const outputs = el("div", { class: "outputs" });
  for (const output of result.outputs || []) {
    const link = links[output.path];
    if (!link) continue;
    const audio = el("audio", { controls: true, preload: "metadata", "aria-label": "Play " + output.path });
    const download = el("a", { download: output.path, text: "Download " + output.path });
    if (page.key) {
      // A header cannot go with <audio src>: fetch the file with the key and play
      // the blob, once its card is in view (not every output of the list at once).
      download.href = "#";
      whenVisible(audio, () => withKey(link).then((url) => { audio.src = url; download.href = url; })
        .catch(() => { download.textContent = "Could not load " + output.path; }));
    } else {
      audio.src = link;
      download.href = link;
    }
    const waveform = waveformFor(output, link);
    const facts = [output.format, seconds(output.duration_s), output.sample_rate ? output.sample_rate + " Hz" : "", bytes(output.bytes)];
    if (typeof output.loudness_lufs === "number") facts.push(output.loudness_lufs.toFixed(1) + " LUFS");
    if (typeof output.true_peak_db === "number") facts.push("peak " + output.true_peak_db.toFixed(1) + " dBTP");
    outputs.append(el("figure", { class: "output" },
      el("figcaption", { text: output.path + " · " + facts.filter(Boolean).join(" · ") }), waveform, audio, download));
  }
  const timings = result.timings || {};
  const details = el("dl", { class: "details" });
  const add = (name, value) => { if (value) details.append(el("div", {}, el("dt", { text: name }), el("dd", { text: value }))); };
  add("engine", result.engine ? result.engine.name + " " + result.engine.version : job.engine);
  add("task", result.task);
  add("device", result.device);
  add("CPU because", result.fallback_reason);
  add("total", seconds(timings.total_s));
  add("engine time", seconds(timings.engine_s));
  add("encoding", seconds(timings.encode_s));
  add("attempts", result.attempts > 1 ? String(result.attempts) : "");
  add("cached from", result.cached_from);
  return [outputs, details];
}

function bytes(count) {
  if (typeof count !== "number") return "";
  if (count < 1024) return count + " B";
  if (count < 1048576) return (count / 1024).toFixed(1) + " KiB";
  return (count / 1048576).toFixed(1) + " MiB";
}

const loaders = new WeakMap();   // a player → what fetches its file
const onScreen = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    onScreen.unobserve(entry.target);
    loaders.get(entry.target)();
  }
}, { rootMargin: "200px" }) : null;

function whenVisible(element, load) {
  if (!onScreen) { load(); return; }
  loaders.set(element, load);
  onScreen.observe(element);
}

/// An output's file, as a Blob: with a key fetched once and kept (the
/// player and the waveform share it), without one fetched each time.
function outputBlob(link) {
  if (!page.key) return api(link).then((response) => response.blob());
  if (!page.files.has(link)) {
    const fetched = api(link).then((response) => response.blob());
    fetched.catch(() => page.files.delete(link));
    page.files.set(link, fetched);
  }
  return page.files.get(link);
}

async function withKey(link) {
  if (page.blobs.has(link)) return page.blobs.get(link);
  const url = URL.createObjectURL(await outputBlob(link));
  page.blobs.set(link, url);
  return url;
}

/// A canvas that draws the output's waveform once in view (waveform.js),
/// or nothing for an output too long to decode whole.
function waveformFor(output, link) {
  if (!waveformFits(output.duration_s)) return null;
  const canvas = el("canvas", { class: "waveform", height: 48, role: "img", "aria-label": "Waveform of " + output.path });
  whenVisible(canvas, () => outputBlob(link).then((blob) => blob.arrayBuffer()).then((bytes) => drawWaveform(canvas, bytes))
    .catch(() => { canvas.hidden = true; canvas.dataset.drawn = "failed"; }));
  return canvas;
}

function failedPart(job) {
  const failure = job.error || {};
  const error = failure.error || {};
  const part = el("div", {},
    el("p", { class: "job-error" },
      el("strong", { text: error.kind || job.state }), " ",
      error.message || (job.state === "cancelled" ? "cancelled" : "no error.json")));
  const facts = [];
  if (typeof failure.attempts === "number") facts.push(failure.attempts + (failure.attempts === 1 ? " attempt" : " attempts"));
  if (error.field) facts.push("field " + error.field);
  if (facts.length) part.append(el("p", { class: "progress-text", text: facts.join(" · ") }));
  return part;
}

function actions(job) {
  const bar = el("div", { class: "actions" });
  const problem = el("p", { class: "action-error", role: "alert" });
  const act = (label, kind, run) => el("button", {
    type: "button", class: kind, "aria-label": label + " " + job.id,
    onclick: async (event) => {
      event.currentTarget.disabled = true;
      problem.textContent = "";
      try { await run(); } catch (error) { problem.textContent = error.message; event.target.disabled = false; }
    },
  }, label);
  const path = "/v1/jobs/" + encodeURIComponent(job.id);
  if (job.state === "queued" || job.state === "running") {
    bar.append(act("Cancel", "danger", () => api(path, { method: "DELETE" })));
  }
  if (job.state === "failed" || job.state === "cancelled") {
    bar.append(act("Retry", "secondary", () => api(path + "/retry", { method: "POST" })));
  }
  const wrap = el("div", {}, bar, problem);
  return wrap;
}

// ---- Submitting ------------------------------------------------------------

function option(value, label, selected) {
  return el("option", { value, selected }, label);
}

function textTask(engine) {
  const tasks = engine.tasks || {};
  const takes = (name) => tasks[name] && tasks[name].text && tasks[name].text !== "none";
  if (engine.default_task && takes(engine.default_task)) return engine.default_task;
  return Object.keys(tasks).sort().find(takes);
}

function fillForm(info) {
  const speaking = (info.engines || []).filter((engine) => engine.tasks && textTask(engine));
  const engine = $("engine");
  const chosen = engine.value || info.tts_engine;
  engine.replaceChildren(...speaking.map((item) => option(item.name, item.name, item.name === chosen)));
  $("format").replaceChildren(option("", "spool default"), ...(info.formats || []).map((name) => option(name, name)));
  $("loudness").replaceChildren(option("", "as spoken"), ...(info.loudness_presets || []).map((name) => option(name, name)));
  fillVoices();
}

function fillVoices() {
  const engine = (page.engines.engines || []).find((item) => item.name === $("engine").value);
  const voices = (engine && engine.voices) || [];
  $("voice").replaceChildren(option("", "engine default"), ...voices.map((name) => option(name, name)));
}

function note(text, refused) {
  const item = el("li", { class: refused ? "refused" : "", text });
  const list = $("submissions");
  list.prepend(item);
  while (list.children.length > 4) list.lastChild.remove();
}

async function submitJSON(body, label) {
  try {
    const accepted = await apiJSON("/v1/jobs", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    note(label + ": submitted as " + accepted.id, false);
    return true;
  } catch (error) {
    if (error.status !== 401) note(label + ": " + error.message, true);
    return false;
  }
}

async function submitForm(job, part, file, label) {
  const form = new FormData();
  form.append("job", new Blob([JSON.stringify(job)], { type: "application/json" }));
  form.append(part, file, file.name);
  try {
    const accepted = await apiJSON("/v1/jobs", { method: "POST", body: form });
    note(label + ": submitted as " + accepted.id, false);
  } catch (error) {
    if (error.status !== 401) note(label + ": " + error.message, true);
  }
}

/// Each file becomes the job it would be if dropped into new/ (SPOOL.md):
/// a .txt is spoken by the spool's tts_engine, a song goes to its
/// separation_engine, a .json is a job.json as it stands.
async function submitFile(file) {
  const name = file.name;
  const dot = name.lastIndexOf(".");
  const extension = dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
  const info = page.engines || {};
  if (extension === "json") {
    await submitJSON(await file.text(), name);
  } else if (extension === "txt") {
    await submitForm({ engine: info.tts_engine, task: "tts", text_file: "input.txt", metadata: { file: name } }, "text_file", file, name);
  } else if (AUDIO[extension]) {
    const job = { engine: info.separation_engine, task: "separate", inputs: { audio: "input." + extension }, metadata: { file: name } };
    await submitForm(job, "audio", file, name);
  } else {
    note(name + ": not a .txt, .json or audio file (.wav, .flac, .mp3, .ogg); nothing was submitted", true);
  }
}

async function submitFiles(files) {
  for (const file of files) await submitFile(file);
}

async function speak(event) {
  event.preventDefault();
  const engine = (page.engines.engines || []).find((item) => item.name === $("engine").value);
  if (!engine) { note("no engine that speaks text is installed", true); return; }
  const job = { engine: engine.name, task: textTask(engine), text: $("text").value };
  if ($("voice").value) job.params = { voice: $("voice").value };
  const output = {};
  if ($("format").value) output.format = $("format").value;
  if ($("loudness").value) output.loudness = $("loudness").value;
  if (Object.keys(output).length) job.output = output;
  const button = $("speak-submit");
  button.disabled = true;
  if (await submitJSON(JSON.stringify(job), "text")) $("text").value = "";
  button.disabled = false;
}

// ---- The farm --------------------------------------------------------------

function scheduleFarm() {
  clearTimeout(page.farmTimer);
  page.farmTimer = setTimeout(refreshFarm, 1000);
}

function pill(text) {
  return el("span", { class: "pill " + text, text });
}

function table(caption, head, rows) {
  return el("div", { class: "farm-table-wrap" },
    el("table", {},
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, head.map((name) => el("th", { scope: "col", text: name })))),
      el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell) => el("td", {}, cell)))))));
}

/// Another host's heartbeat is live once this server has seen it change
/// (its clock is not ours): until then it is "unseen", not "gone".
function supervisorState(item) {
  if (item.live) return "live";
  return item.state === "running" && typeof item.heartbeat_age_s !== "number" ? "unseen" : "gone";
}

async function refreshFarm() {
  clearTimeout(page.farmTimer);
  let farm;
  try {
    farm = await apiJSON("/v1/farm");
  } catch (error) {
    if (error.status !== 401) $("farm").replaceChildren(el("p", { class: "error-text", text: "cannot read the farm: " + error.message }));
    return;
  } finally {
    // Heartbeats age on their own: the farm is read again every 10 s while the page shows.
    page.farmTimer = setTimeout(refreshFarm, 10000);
  }
  const parts = [];
  const supervisors = farm.supervisors || [];
  if (!supervisors.length) parts.push(el("p", { class: "muted", text: "No supervisor has written a heartbeat: start `audiospool run`." }));
  if (supervisors.length) {
    parts.push(table("Supervisors", ["host", "pid", "state", "heartbeat", "version", "since"], supervisors.map((item) => [
      item.host, String(item.pid), pill(supervisorState(item)),
      typeof item.heartbeat_age_s === "number" ? seconds(item.heartbeat_age_s) + " ago" : "not yet seen to change",
      item.version, item.started_at])));
    const engines = [];
    for (const supervisor of supervisors.filter((item) => item.live)) {
      for (const engine of supervisor.engines || []) {
        const instances = (engine.instances || []).map((instance) =>
          el("span", {}, "#" + instance.id + " ", pill(instance.busy > 0 ? "busy" : instance.state), instance.device ? " " + instance.device : "", " "));
        engines.push([engine.name, supervisor.host, pill(engine.state), engine.device || "–",
          instances.length ? instances : "none", (engine.instances || []).length + " of " + engine.max_instances,
          String(engine.jobs_served), String(engine.restarts)]);
      }
    }
    parts.push(table("Engines", ["engine", "host", "state", "device", "instances", "of max", "jobs served", "restarts"], engines));
  }
  const slots = [];
  for (const [host, leases] of Object.entries(farm.gpus || {})) {
    for (const slot of leases.slots || []) {
      const holder = slot.holder;
      const who = slot.held && holder
        ? holder.engine + (holder.job ? " · job " + holder.job : holder.instance_pid ? " · idle" : " · starting") + " · pid " + holder.supervisor_pid
        : holder ? "last: " + holder.engine : "";
      slots.push([host, "gpu" + slot.gpu + ".slot" + slot.slot, pill(slot.held ? "held" : "free"), who, slot.held && holder ? holder.since : ""]);
    }
  }
  parts.push(slots.length ? table("GPU slots", ["host", "slot", "state", "holder", "since"], slots)
    : el("p", { class: "muted", text: "No GPU slots (no GPU found or configured)." }));
  $("farm").replaceChildren(el("div", { class: "farm-grid" }, parts));
}

// ---- Wiring ----------------------------------------------------------------

function wire() {
  $("auth-form").addEventListener("submit", useKey);
  $("forget-key").addEventListener("click", forgetKey);
  $("older").addEventListener("click", showOlder);
  $("speak").addEventListener("submit", speak);
  $("engine").addEventListener("change", fillVoices);
  $("files").addEventListener("change", async (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    await submitFiles(files);
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    submitFiles([...event.dataTransfer.files]);
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refreshFarm(); });
  start();
}

wire();
