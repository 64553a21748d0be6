// The audiospool dashboard. It talks only to the documented /v1 API
// (openapi.json). Everything a job or a user supplies (text, file names,
// error messages) reaches the page as text (textContent), never as HTML,
// and the key stays in a header: never in a URL.
// Loaded first: the page's state, the API and its key, shared by the
// scripts after it (classic scripts, one global scope, run in order).
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
