/**
 * Relais agent panel: the advisors' takeover desk, served at /agent (entry module).
 *
 * What it does: login (`POST /api/agent/login`), then one websocket to `/agent/ws` carrying
 * the queue, the live bot conversations, the chats this advisor owns and every action on them
 * (accept, takeover, message, typing, release, close); canned responses and callback tickets
 * over HTTP. docs/protocol.md describes the protocol.
 *
 * Design decisions:
 * - Vanilla ES modules, no build step, nothing inline, no external resource: the page runs
 *   under a strict Content-Security-Policy. The static structure and the <template>s live in
 *   index.html; each module owns one part of the page (queue.js, live.js, tickets.js,
 *   desk.js + chat.js) and this one wires them to the session and the socket.
 * - Everything from the server (customer, bot and advisor text, display names, tickets,
 *   canned responses) is untrusted: it only ever enters the page through textContent.
 * - The session token stays in memory (api.js), never in localStorage. The websocket relies
 *   on the HttpOnly cookie the login sets, which also signs a reloaded page in silently while
 *   the session is valid.
 * - The page keeps nothing the server does not also know: after a reconnection the server's
 *   `hello` says which chats are still ours.
 */

import { api, configureApi, okJson, postLogin } from "./api.js";
import { createConnection } from "./connection.js";
import { createDesk } from "./desk.js";
import { arrowKeys, byId, num, shortId, str } from "./dom.js";
import { langLabel, pickLang, setUiLang, t, translate, uiLang } from "./i18n.js";
import { createLive } from "./live.js";
import { createQueue } from "./queue.js";
import { createTickets } from "./tickets.js";
import { announce, toast } from "./toasts.js";

/** Interface language preference (not a secret: the only thing this page stores). */
const UI_LANG_KEY = "relais-agent:ui-lang";

const loginView = byId("login");
const loginForm = byId("login-form");
const loginName = byId("login-name");
const loginPassword = byId("login-password");
const loginError = byId("login-error");
const loginSubmit = byId("login-submit");
const workspace = byId("workspace");
const connBadge = byId("conn");
const connText = byId("conn-text");
const navTabs = Array.from(byId("nav").querySelectorAll("[role=tab]"));
const langSelects = [byId("ui-lang"), byId("login-ui-lang")];

/** The signed-in advisor: {agent} (the server's record of them), null when signed out. */
let session = null;
/** Accepts and takeovers sent and not yet answered: conversation id -> {origin, item}. */
const pending = new Map();
/** The last action sent, to place an error frame that names no conversation. */
let lastAction = null;
/** Canned responses by language: promises of [{label, text}], fetched once per session. */
let canned = new Map();

// ---------------------------------------------------------------------------------------
// The parts of the page.

const connection = createConnection({
  onFrame: handleFrame,
  onDown() {
    setConnection("reconnecting");
    pending.clear();
    refreshButtons();
  },
  // A 401 ends the session (configureApi); anything else means it stands.
  checkSession: () => api("GET", "/api/agent/me")
});

const queue = createQueue({
  accept: (item) => claim("accept", item, "queue"),
  isPending: (id) => pending.has(id),
  atCapacity,
  me: () => (session ? session.agent : {}),
  arrived: () => announce(t("newInQueue"))
});

const live = createLive({
  takeover: (item) => claim("takeover", item, "takeover"),
  isPending: (id) => pending.has(id),
  owns: (id) => desk.get(id) !== null && !desk.get(id).ended
});

const tickets = createTickets(() => (session ? str(session.agent.name) : ""));

const desk = createDesk({
  send,
  me: () => (session ? session.agent : {}),
  canned: cannedFor,
  notify: toast,
  changed() {
    renderMe();
    refreshButtons();
    live.rerender();
    updateTitle();
  }
});

// ---------------------------------------------------------------------------------------
// Login and logout.

function showLogin(message) {
  workspace.hidden = true;
  loginView.hidden = false;
  loginError.textContent = message || "";
  loginError.hidden = !message;
  loginSubmit.disabled = false;
  loginSubmit.textContent = t("loginSubmit");
  updateTitle();
  (loginName.value ? loginPassword : loginName).focus();
}

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = loginName.value.trim();
  const password = loginPassword.value;
  if (!name || !password) {
    showLogin(t("loginMissing"));
    return;
  }
  loginSubmit.disabled = true;
  loginSubmit.textContent = t("loginBusy");
  let message;
  try {
    const response = await postLogin(name, password);
    loginPassword.value = "";
    if (response.ok) {
      const body = await response.json();
      if (body && typeof body.token === "string") {
        startSession(body.token, body.agent && typeof body.agent === "object" ? body.agent : { name });
        return;
      }
      message = t("loginFailed");
    } else if (response.status === 401) {
      message = t("loginBad");
    } else if (response.status === 429) {
      const retry = parseInt(response.headers.get("Retry-After") || "", 10);
      message = retry > 0 ? t("loginRateLimited", { n: Math.ceil(retry / 60) }) : t("loginRateLimitedLater");
    } else {
      message = t("loginFailed");
    }
  } catch (_) {
    message = t("loginNetwork");
  }
  showLogin(message);
});

/** Signed in: `token` null when the session cookie signed us in after a reload. */
function startSession(token, agent) {
  session = { agent };
  configureApi({
    token,
    onUnauthorized: () => session && !session.leaving && endSession(t("sessionExpired"))
  });
  canned = new Map();
  loginView.hidden = true;
  workspace.hidden = false;
  renderMe();
  setConnection("connecting");
  connection.start();
  tickets.load();
  // The next thing to do is to pick a customer: the keyboard starts on the work queues.
  navTabs.find((tab) => tab.getAttribute("aria-selected") === "true").focus();
}

function endSession(message) {
  if (!session) {
    return;
  }
  session = null;
  configureApi({ token: null });
  connection.stop();
  pending.clear();
  queue.clear();
  live.clear();
  tickets.clear();
  desk.clear();
  showLogin(message);
}

byId("logout").addEventListener("click", async () => {
  session.leaving = true; // A 401 now means "signed out", not "session expired".
  try {
    await api("POST", "/api/agent/logout");
  } finally {
    endSession(t("loggedOut"));
  }
});

// ---------------------------------------------------------------------------------------
// Top bar: who is signed in, their load, the connection.

function atCapacity() {
  const capacity = session ? num(session.agent.capacity, 0) : 0;
  return capacity > 0 && desk.openCount() >= capacity;
}

function renderMe() {
  if (!session) {
    return;
  }
  const agent = session.agent;
  const display = str(agent.display_name) || str(agent.name);
  byId("me-name").textContent = display;
  byId("me-avatar").textContent = display.trim().charAt(0).toUpperCase();
  const capacity = num(agent.capacity, 0);
  const mine = desk.openCount();
  const load = capacity ? t("load", { n: mine, max: capacity }) : t("loadNoMax", { n: mine });
  const langs = Array.isArray(agent.langs) ? agent.langs.filter((l) => typeof l === "string").map(langLabel) : [];
  byId("me-meta").textContent = langs.length ? langs.join(" ") + " · " + load : load;
}

function setConnection(state) {
  const key = { online: "connOnline", connecting: "connConnecting", reconnecting: "connReconnecting" }[state];
  connBadge.setAttribute("data-state", state);
  connText.textContent = t(key);
  workspace.classList.toggle("offline", state !== "online");
}

/** The page title counts the customers waiting and the unread messages. */
function updateTitle() {
  const waiting = session ? queue.size() : 0;
  const unread = session ? desk.unread() : 0;
  const prefix = waiting || unread ? "(" + waiting + (unread ? " · " + unread : "") + ") " : "";
  document.title = prefix + t("pageTitle");
}

function refreshButtons() {
  queue.refreshButtons();
  live.rerender();
}

// ---------------------------------------------------------------------------------------
// Actions.

/** Sends a frame; when offline, says so unless `quiet`, and returns false. */
function send(frame, options) {
  if (!connection.send(frame)) {
    if (!(options && options.quiet)) {
      toast(t("connReconnecting"), "warn");
    }
    return false;
  }
  if (frame.type !== "typing") {
    lastAction = { type: frame.type, conversation: frame.conversation };
  }
  return true;
}

/** Accept (from the queue) or take over (a live bot conversation). */
function claim(type, item, origin) {
  if (atCapacity()) {
    toast(t("capacityFull"), "warn");
    return;
  }
  if (send({ type, conversation: item.conversation })) {
    pending.set(item.conversation, { origin, item });
    refreshButtons();
  }
}

function cannedFor(lang) {
  if (!canned.has(lang)) {
    const request = api("GET", "/api/agent/canned?lang=" + encodeURIComponent(lang))
      .then(okJson)
      .then((body) => (Array.isArray(body) ? body : []).filter((c) => c && typeof c.text === "string" && c.text));
    request.catch(() => canned.delete(lang)); // Asked again the next time the menu opens.
    canned.set(lang, request);
  }
  return canned.get(lang);
}

// ---------------------------------------------------------------------------------------
// Server frames. Unknown types and fields are ignored: the protocol only grows.

function handleFrame(frame) {
  const chat = desk.get(str(frame.conversation));
  switch (frame.type) {
    case "hello":
      onHello(frame);
      break;
    case "queue":
      queue.update(frame.items, frame.total);
      updateTitle();
      break;
    case "live":
      live.update(frame.items);
      break;
    case "transcript":
      onTranscript(frame);
      break;
    case "customer":
      if (chat) {
        chat.customer(frame);
        if (chat !== desk.active()) {
          toast(t("newMessage") + " · " + t("chatTitle", { id: shortId(chat.id) }), "info");
        }
      }
      break;
    case "customer_typing":
      chat?.customerTyping();
      break;
    case "suggestions":
      chat?.suggestions(frame.items);
      break;
    case "ack":
      chat?.ack(frame);
      break;
    case "flagged":
      chat?.flagged(frame);
      break;
    case "chat_ended":
      chat?.end(str(frame.by) || "agent");
      break;
    case "error":
      onError(frame);
      break;
    default:
      break;
  }
}

function onHello(frame) {
  connection.established();
  queue.reset();
  setConnection("online");
  if (frame.agent && typeof frame.agent === "object") {
    session.agent = frame.agent;
  }
  const owned = new Set((Array.isArray(frame.chats) ? frame.chats : []).filter((id) => typeof id === "string"));
  // Chats on screen that the server no longer gives us were lost with the connection.
  for (const chat of desk.all()) {
    if (!chat.ended && !owned.has(chat.id)) {
      chat.end("lost");
    }
  }
  // Chats the server gives us that this page does not show (after a reload): opened, their
  // history follows in a transcript frame.
  for (const id of owned) {
    if (!desk.get(id)) {
      desk.open(id, { origin: "resumed" });
    }
  }
  renderMe();
  updateTitle();
}

function onTranscript(frame) {
  const id = str(frame.conversation);
  if (!id) {
    return;
  }
  const request = pending.get(id) || null;
  pending.delete(id);
  let chat = desk.get(id);
  const fresh = chat === null;
  if (fresh) {
    chat = desk.open(id, request || { origin: "queue", item: queue.item(id) });
  }
  chat.transcript(frame, request);
  if (fresh || request) {
    desk.select(chat, false);
    chat.focusComposer();
  }
  renderMe();
  refreshButtons();
}

function onError(frame) {
  const code = str(frame.code);
  const id = str(frame.conversation) || (lastAction ? str(lastAction.conversation) : "");
  const action = lastAction && lastAction.conversation === id ? lastAction.type : "";
  lastAction = null;
  if (pending.delete(id)) {
    refreshButtons();
  }
  const chat = desk.get(id);
  if (chat && action === "message") {
    chat.refuseLast();
  }
  if (chat && action === "flag_faq") {
    chat.flagRefused(code);
  }
  if (chat && code === "not_owner") {
    chat.end("lost");
  }
  toast(t("errors." + code) || t("errors.generic", { code: code || "?" }), "error");
}

// ---------------------------------------------------------------------------------------
// Sidebar navigation: an ARIA tablist.

function selectNav(tab, focus) {
  for (const other of navTabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", selected ? "true" : "false");
    other.tabIndex = selected ? 0 : -1;
    byId(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) {
    tab.focus();
  }
  if (tab.id === "nav-tickets" && session) {
    tickets.load();
  }
}

for (const tab of navTabs) {
  tab.addEventListener("click", () => selectNav(tab, false));
}
arrowKeys(byId("nav"), () => navTabs, (tab) => selectNav(tab, true));
byId("tickets-refresh").addEventListener("click", () => tickets.load());
byId("queue-list").setAttribute("tabindex", "-1");

// ---------------------------------------------------------------------------------------
// Interface language.

function applyLang(lang) {
  setUiLang(lang);
  for (const select of langSelects) {
    select.value = uiLang();
  }
  translate(document.body);
  setConnection(connBadge.getAttribute("data-state"));
  if (!loginSubmit.disabled) {
    loginSubmit.textContent = t("loginSubmit");
  }
  renderMe();
  queue.rerender();
  live.rerender();
  tickets.render();
  desk.rerender();
  updateTitle();
}

function savedLang() {
  try {
    return window.localStorage.getItem(UI_LANG_KEY);
  } catch (_) {
    return null; // Storage disabled: the browser's language.
  }
}

for (const select of langSelects) {
  select.addEventListener("change", () => {
    const lang = pickLang(select.value) || "fr";
    try {
      window.localStorage.setItem(UI_LANG_KEY, lang);
    } catch (_) {
      // The choice lasts for this page only.
    }
    applyLang(lang);
  });
}

// ---------------------------------------------------------------------------------------
// Clock and visibility.

window.setInterval(() => {
  queue.tick();
  live.tick();
}, 1000);

document.addEventListener("visibilitychange", () => {
  const chat = desk.active();
  if (!document.hidden && chat && chat.unread) {
    chat.markRead();
    updateTitle();
  }
});

// ---------------------------------------------------------------------------------------
// Start: a session cookie still valid signs in silently; otherwise the login form.

applyLang(pickLang(savedLang()) || pickLang(navigator.language) || "fr");
api("GET", "/api/agent/me")
  .then(okJson)
  .then(
    (body) => (body && body.agent && typeof body.agent === "object" ? startSession(null, body.agent) : showLogin(null)),
    () => showLogin(null)
  );
