// The live queue: one event stream for every job, and the listing
// pages behind it (GET /v1/jobs).
"use strict";

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
