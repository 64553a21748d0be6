// Loaded last: wires the page's controls and starts it.
"use strict";

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
