// The farm: supervisors, engines and GPU slots, as `status` and `gpu` show them.
"use strict";

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
