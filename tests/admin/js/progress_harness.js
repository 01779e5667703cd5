// Runs campaign-progress.js (the Stimulus controller) against fakes: Wagtail's app registry,
// fetch, timers, the chart registry and location.reload. Usage: node progress_harness.js FILE
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");

let Controller = null;
let timers = [];
let responses = [];
const requests = [];
const charts = [];
let reloads = 0;

global.window = {
  wagtail: { app: { register: (name, cls) => { assert.equal(name, "pushseg-progress"); Controller = cls; } } },
  StimulusModule: { Controller: class {} },
  pushsegCharts: { update: (id, config) => charts.push([id, config]) },
  location: { reload: () => { reloads += 1; } },
};
global.setTimeout = (fn, ms) => { timers.push({ fn, ms }); return timers.length; };
global.clearTimeout = () => {};
global.fetch = async (url, options) => {
  requests.push([url, options]);
  const next = responses.shift();
  if (next instanceof Error) throw next;
  return { ok: next.status === 200, status: next.status, json: async () => next.body };
};
new Function(fs.readFileSync(process.argv[2], "utf8"))();
assert.ok(Controller, "the controller registered itself");

function controller(live) {
  const c = new Controller();
  c.urlValue = "/admin/pushseg/campaigns/progress/7/";
  c.chartValue = "pushseg-progress-chart";
  c.liveValue = live;
  c.intervalValue = 3000;
  c.valueTargets = ["sent", "pending", "eta"].map((key) => ({ dataset: { key }, textContent: "?" }));
  return c;
}
async function tick() {
  const timer = timers.shift();
  assert.ok(timer, "a poll was scheduled");
  await timer.fn();
}
const chart = { type: "line", data: { labels: ["12:00"], datasets: [] } };

(async () => {
  // Live: polls after the interval, writes the numbers, redraws, polls again.
  const live = controller(true);
  live.connect();
  assert.equal(timers.length, 1);
  assert.equal(timers[0].ms, 3000);
  responses.push({ status: 200, body: { live: true, status: "sending", sent: 40, pending: 60, eta: "2 minutes", chart } });
  await tick();
  assert.deepEqual(requests[0][0], "/admin/pushseg/campaigns/progress/7/");
  assert.equal(requests[0][1].credentials, "same-origin");
  assert.deepEqual(live.valueTargets.map((t) => t.textContent), ["40", "60", "2 minutes"]);
  assert.deepEqual(charts, [["pushseg-progress-chart", chart]]);
  assert.equal(timers.length, 1, "polls again while sending");

  // A failed poll is tried again later, the numbers stay.
  responses.push({ status: 500, body: {} });
  await tick();
  assert.deepEqual(live.valueTargets.map((t) => t.textContent), ["40", "60", "2 minutes"]);
  assert.equal(timers.length, 1);
  responses.push(new Error("offline"));
  await tick();
  assert.equal(timers.length, 1);

  // Done: the last numbers are written, no more polling, the page reloads once.
  responses.push({ status: 200, body: { live: false, status: "sent", sent: 100, pending: 0, eta: "none", chart } });
  await tick();
  assert.deepEqual(live.valueTargets.map((t) => t.textContent), ["100", "0", "none"]);
  assert.equal(timers.length, 0);
  assert.equal(reloads, 1);

  // A finished campaign's page does not poll at all.
  controller(false).connect();
  assert.equal(timers.length, 0);
  console.log("ok");
})().catch((error) => { console.error(error); process.exit(1); });
