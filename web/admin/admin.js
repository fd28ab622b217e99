/**
 * The Relais dashboard: signs the administrator in (POST /api/admin/login sets an HttpOnly
 * session cookie; the password never travels in a URL), loads the report of the chosen period
 * (GET /api/admin/stats) and shows it as figures and charts. Text from the server goes in with
 * textContent only.
 */

import { cesChart, rateChart, waitChart } from "/admin/charts.js";

const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const response = await window.fetch(path, {
    method,
    headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
    credentials: "same-origin",
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  return { status: response.status, json };
}

function showLogin(message) {
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").hidden = !message;
  $("login-error").textContent = message || "";
  $("password").focus();
}

function showApp() {
  $("login").hidden = true;
  $("app").hidden = false;
}

const percent = (rate) => (typeof rate === "number" ? `${(rate * 100).toFixed(1)} %` : "–");

function render(report) {
  $("range").textContent = `From ${report.from} to ${report.to} (UTC)`;
  $("kpi-conversations").textContent = String(report.conversations);
  $("kpi-understanding").textContent = percent(report.understanding_rate);
  $("kpi-containment").textContent = percent(report.containment_rate);
  $("kpi-handoff").textContent = percent(report.handoff_rate);
  $("kpi-ces").textContent = report.ces_count > 0 ? `${report.ces_mean.toFixed(1)} (${report.ces_count})` : "–";
  rateChart($("chart-rates"), report.series || []);
  cesChart($("chart-ces"), report.ces_by_path);
  const queue = report.queue || {};
  const first = report.advisor_first_response || {};
  waitChart($("chart-waits"), [
    { label: "Queue wait", p50: queue.wait_p50_s ?? null, p90: queue.wait_p90_s ?? null },
    { label: "First reply", p50: first.p50_s ?? null, p90: first.p90_s ?? null }
  ]);
  $("queue-foot").textContent = `${queue.queued || 0} queued, ${queue.assigned || 0} taken by an advisor, ${queue.abandoned || 0} left while waiting.`;
  const list = $("missed");
  list.textContent = "";
  for (const missed of report.missed_questions || []) {
    const item = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = missed.text;
    const count = document.createElement("span");
    count.className = "missed-count";
    count.textContent = `× ${missed.count}`;
    item.append(text, count);
    list.appendChild(item);
  }
  $("missed-empty").hidden = list.children.length > 0;
}

async function load() {
  const since = $("period").value;
  const { status, json } = await call("GET", `/api/admin/stats?since=${encodeURIComponent(since)}`);
  if (status === 401) {
    showLogin(null);
    return;
  }
  if (status !== 200 || !json) {
    $("load-error").hidden = false;
    $("load-error").textContent = "The figures could not be loaded. Please try again.";
    return;
  }
  $("load-error").hidden = true;
  showApp();
  render(json);
  document.body.setAttribute("data-loaded", since);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { status, json } = await call("POST", "/api/admin/login", { password: $("password").value });
  if (status === 200) {
    $("password").value = "";
    await load();
  } else {
    showLogin((json && json.error && json.error.message) || "Sign-in failed.");
  }
});

$("logout").addEventListener("click", async () => {
  await call("POST", "/api/admin/logout");
  showLogin(null);
});

$("period").addEventListener("change", load);

(async () => {
  const { status } = await call("GET", "/api/admin/session");
  if (status === 200) {
    await load();
  } else {
    showLogin(null);
  }
})();
