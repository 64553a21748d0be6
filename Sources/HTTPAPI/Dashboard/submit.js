// Submitting: the drop zone and file picker, and the text form.
"use strict";

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
