// A job's card: queued, running, done (players, downloads, details) or
// failed (its error, attempts, Retry). Text is set as text, never as HTML.
"use strict";

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
