/**
 * One conversation this advisor owns: its tab, its transcript (customer, bot, advisor and
 * handoff events with their times), the customer's typing indicator, FAQ suggestions and
 * canned responses that insert into an editable composer, and the hand-back and close
 * actions. Every text from the server goes in with textContent.
 */

import { el, instantiate, num, percent, pickOwn, shortId, str } from "./dom.js";
import { formatClock, langLabel, pickLang, reasonLabel, skillLabel, t } from "./i18n.js";
import { createFlag } from "./flag.js";
import { deriveInsights, renderIntents, renderMissed } from "./insights.js";

/** Server limit on one message (docs/protocol.md); the composer enforces it. */
const MAX_TEXT = 2000;
/** At most one `typing` frame per chat in this interval, in milliseconds. */
const TYPING_SEND_MS = 2500;
/** How long "the customer is typing" stays up without a new frame, in milliseconds. */
const TYPING_SHOW_MS = 6000;

/** How a chat ended (`chat_ended.by`, or what this page did) -> the line shown. */
const ENDED_TEXT = {
  agent: "endedAgent",
  release: "endedRelease",
  customer: "endedCustomer",
  timeout: "endedTimeout",
  lost: "endedLost"
};

const ORIGIN_TEXT = { queue: "originQueue", takeover: "originTakeover", resumed: "originResumed" };

let counter = 0;

/**
 * A chat for conversation `id`. `request` is how it came to us: {origin: queue|takeover|
 * resumed, item: the queue or live item, if any}. env: `send(frame)` (false when offline),
 * `me()` (the advisor's record), `canned(lang)` (a promise of [{label, text}]), `isActive(chat)`,
 * `changed(chat)` (counts and titles to refresh), `dismiss(chat)`, `notify(text)`.
 */
export function createChat(id, request, env) {
  counter += 1;
  const tab = instantiate("tpl-chat-tab");
  const view = instantiate("tpl-chat");
  const f = view.fields;
  const chat = {
    id,
    tab: tab.root,
    view: view.root,
    unread: 0,
    /** Falsy while open; how it ended otherwise (a key of ENDED_TEXT). */
    ended: null
  };
  let origin = request.origin || "queue";
  let item = request.item || null;
  let context = null;
  const openedAt = Date.now();
  /** Events shown, in arrival order: {raw, at}. Seqs seen, to show each event once. */
  let events = [];
  let seqs = new Set();
  /** Advisor messages sent and not yet acknowledged, oldest first: {text, at, row}. */
  let outbox = [];
  /** Advisor messages refused or lost with a connection: {text, at}. */
  const unsent = [];
  let typingTimer = null;
  let lastTypingSent = 0;
  let cannedItems = null;
  let suggestionItems = [];

  // Wiring -------------------------------------------------------------------------------

  const n = counter;
  tab.root.id = "chat-tab-" + n;
  tab.root.setAttribute("aria-controls", "chat-panel-" + n);
  tab.root.setAttribute("data-conversation", id);
  view.root.id = "chat-panel-" + n;
  view.root.setAttribute("aria-labelledby", tab.root.id);
  view.root.setAttribute("data-conversation", id);
  f.input.id = "chat-input-" + n;
  f.inputLabel.setAttribute("for", f.input.id);
  f.canned.id = "chat-canned-" + n;
  f.cannedToggle.setAttribute("aria-controls", f.canned.id);

  f.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    sendReply();
  });
  f.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendReply();
    }
  });
  f.input.addEventListener("input", () => {
    updateCount();
    const now = Date.now();
    if (!chat.ended && f.input.value.trim() && now - lastTypingSent >= TYPING_SEND_MS) {
      if (env.send({ type: "typing", conversation: id }, { quiet: true })) {
        lastTypingSent = now;
      }
    }
  });
  f.release.addEventListener("click", () => {
    if (env.send({ type: "release", conversation: id })) {
      end("release");
    }
  });
  f.close.addEventListener("click", () => {
    if (env.send({ type: "close", conversation: id })) {
      end("agent");
    }
  });
  f.dismiss.addEventListener("click", () => env.dismiss(chat));
  f.cannedToggle.addEventListener("click", () => toggleCanned(f.canned.hidden));
  const flag = createFlag(id, n, f, {
    send: env.send,
    notify: env.notify,
    fallbackFocus: () => (chat.ended ? f.transcript : f.input).focus()
  });
  f.flagDraft.addEventListener("click", () => flag.open(f.input.value.trim(), f.flagDraft));
  f.cannedFilter.addEventListener("input", filterCanned);
  f.canned.addEventListener("keydown", cannedKeys);
  /** A click anywhere outside the open canned menu closes it. */
  function clickOutside(event) {
    if (!f.canned.hidden && !f.canned.contains(event.target) && !f.cannedToggle.contains(event.target)) {
      toggleCanned(false);
    }
  }
  document.addEventListener("click", clickOutside);

  // Facts about the conversation ---------------------------------------------------------

  /** The conversation's language: queue item, context, else the latest bot message's. */
  function lang() {
    let fromEvents = "";
    for (const event of events) {
      fromEvents = str(event.raw.lang) || fromEvents;
    }
    return pickLang(str(item && item.lang) || str(context && context.lang) || fromEvents) || "fr";
  }

  function skill() {
    return str(item && item.skill) || str(context && context.skill);
  }

  /** A fact from the transcript's context, else from the queue item. */
  function fact(name) {
    const fromContext = context ? pickOwn(context, name) : undefined;
    return fromContext !== undefined ? fromContext : item ? pickOwn(item, name) : undefined;
  }

  function renderHeader() {
    const title = t("chatTitle", { id: shortId(id) });
    f.title.textContent = title;
    const first = events.find((event) => event.at);
    const parts = { lang: langLabel(lang()), skill: skillLabel(skill()), time: formatClock(first ? first.at : openedAt) };
    f.sub.textContent = t(skill() ? "chatSub" : "chatSubNoSkill", parts);
    tab.fields.lang.textContent = langLabel(lang());
    tab.fields.title.textContent = title;
    tab.fields.unread.textContent = chat.unread ? String(chat.unread) : "";
    tab.fields.unread.hidden = !chat.unread;
    tab.root.classList.toggle("chat-tab--ended", !!chat.ended);
    tab.root.classList.toggle("chat-tab--unread", chat.unread > 0);
  }

  function renderContext() {
    let understood = fact("understood");
    let missed = fact("missed");
    if (!Array.isArray(understood) || !Array.isArray(missed)) {
      const derived = deriveInsights(events.map((event) => event.raw));
      understood = Array.isArray(understood) ? understood : derived.understood;
      missed = Array.isArray(missed) ? missed : derived.missed;
    }
    renderIntents(f.understood, understood);
    renderMissed(f.missed, missed);

    const priority = num(fact("priority"), 0);
    const rows = [
      ["ctxLang", langLabel(lang())],
      ["ctxSkill", skillLabel(skill())],
      ["ctxPriority", t(priority > 0 ? "priorityHigh" : "priorityNormal"), priority > 0 ? "urgent" : ""],
      ["ctxOrigin", t(ORIGIN_TEXT[origin] || "originQueue")]
    ];
    if (fact("urgent") === true) {
      rows.push(["ctxUrgent", t("ctxUrgentYes"), "urgent"]);
    }
    if (num(fact("frustration"), 0) > 0) {
      rows.push(["ctxFrustration", t("ctxFrustrationCount", { n: num(fact("frustration"), 0) }), "urgent"]);
    }
    if (str(fact("reason"))) {
      rows.push(["ctxReason", reasonLabel(str(fact("reason")))]);
    }
    if (str(fact("requested_agent"))) {
      rows.push(["ctxRequested", str(fact("requested_agent"))]);
    }
    rows.push(["ctxConversation", id, "mono"]);
    f.facts.textContent = "";
    for (const [key, value, className] of rows) {
      f.facts.appendChild(el("dt", {}, t(key)));
      f.facts.appendChild(el("dd", className ? { class: className } : {}, value));
    }
  }

  // Transcript ---------------------------------------------------------------------------

  function scrollToEnd() {
    f.transcript.scrollTop = f.transcript.scrollHeight;
  }

  /**
   * Runs `change` (which may add rows or resize the transcript) and keeps the transcript at
   * its end if it was there: an advisor reading the history is not pulled away from it.
   */
  function followEnd(change) {
    const list = f.transcript;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 48;
    const result = change();
    if (atEnd) {
      scrollToEnd();
    }
    return result;
  }

  /**
   * Adds a row: {row, text, state}. The message element's text is exactly `text`. Rows with
   * a seq go before advisor messages still being sent, so the screen keeps the server's order.
   */
  function addRow(role, text, seq, at, label, tag) {
    const row = el("li", { class: "msg msg--" + role });
    const head = el("p", { class: "msg-head" });
    head.appendChild(el("span", { class: "msg-who" }, label));
    if (tag) {
      head.appendChild(el("span", { class: "msg-tag" }, tag));
    }
    if (at) {
      head.appendChild(el("time", { class: "msg-time", datetime: new Date(at).toISOString() }, formatClock(at)));
    }
    const state = el("span", { class: "msg-state" });
    head.appendChild(state);
    const body = el("p", { class: "msg-text", "data-testid": "panel-message", "data-role": role }, text);
    if (seq) {
      body.setAttribute("data-seq", String(seq));
    }
    if (role !== "system") {
      row.appendChild(head);
    }
    row.appendChild(body);
    const before = seq ? f.transcript.querySelector(".msg--pending") : null;
    followEnd(() => f.transcript.insertBefore(row, before));
    return { row, head, text: body, state };
  }

  /** A row for a message of this advisor's, with its "propose as FAQ" button. */
  function ownRow(text, seq, at) {
    const view = addRow("agent", text, seq, at, t("roleYou"), null);
    view.head.appendChild(flag.button(text));
    return view;
  }

  function setRowState(view, state) {
    view.row.classList.toggle("msg--pending", state === "sending");
    view.row.classList.toggle("msg--failed", state === "failed");
    view.state.textContent = state === "sending" ? t("msgSending") : state === "failed" ? t("msgFailed") : "";
  }

  function handoffText(event) {
    switch (str(event.state)) {
      case "queued":
        return num(event.position, 0) ? t("handoffQueuedAt", { n: event.position }) : t("handoffQueued");
      case "assigned":
        return t("handoffAssigned", { agent: str(event.agent) || "—" });
      case "ended":
        return t("handoffEnded");
      case "unavailable":
        return t("handoffUnavailable");
      case "returned":
        return t("handoffReturned");
      default:
        return t("handoffOther", { state: str(event.state) || "?" });
    }
  }

  function isMe(name) {
    const me = env.me();
    return !name || name === str(me.display_name) || name === str(me.name);
  }

  /** Draws one event: the wire shape (`type`) or the stored one (`kind`). */
  function drawEvent(event, at) {
    const seq = num(event.seq, 0) || null;
    const type = str(event.type) || str(event.kind);
    switch (type) {
      case "customer":
        return addRow("customer", str(event.text), seq, at, t("roleCustomer"), event.choice ? t("quickReply") : null);
      case "bot": {
        const intent = str(event.intent);
        const tag = intent ? intent + " · " + percent(event.confidence) + " %" : str(event.outcome) || null;
        return addRow("bot", str(event.text), seq, at, t("roleBot"), tag);
      }
      case "agent": {
        const name = str(event.agent);
        return isMe(name) ? ownRow(str(event.text), seq, at) : addRow("agent", str(event.text), seq, at, name, null);
      }
      case "handoff": {
        const view = addRow("system", handoffText(event), seq, at, t("roleSystem"), null);
        view.row.classList.add("msg--handoff");
        return view;
      }
      case "callback":
        return addRow("system", t("callbackEvent", { id: str(event.ticket) || "—" }), seq, at, t("roleSystem"), null);
      case "end":
        return addRow("system", t("endEvent", { by: str(event.by) || "—" }), seq, at, t("roleSystem"), null);
      case "survey":
        return addRow("system", t("surveyAsked"), seq, at, t("roleSystem"), null);
      case "survey_answer":
        return addRow(
          "system",
          event.skipped ? t("surveySkipped") : t("surveyAnswered", { score: num(event.score, 0), comment: str(event.comment) }),
          seq,
          at,
          t("roleSystem"),
          null
        );
      default:
        return addRow("system", t("unknownEvent", { type: type || "?" }), seq, at, t("roleSystem"), null);
    }
  }

  /** Records and draws an event once (by seq); `at` defaults to its stored time. */
  function addEvent(event, at) {
    const seq = num(event.seq, 0);
    if (seq && seqs.has(seq)) {
      return false;
    }
    if (seq) {
      seqs.add(seq);
    }
    const when = at || num(event.at_ms, 0);
    events.push({ raw: event, at: when });
    drawEvent(event, when);
    return true;
  }

  /**
   * Messages in flight will get no ack any more (their socket is gone, or the chat ended):
   * marked as not sent, the oldest put back in an empty composer so nothing typed is lost.
   */
  function abandonOutbox() {
    if (outbox.length && !f.input.value) {
      f.input.value = outbox[0].text;
      updateCount();
    }
    for (const entry of outbox) {
      markUnsent(entry);
    }
    outbox = [];
  }

  function markUnsent(entry) {
    setRowState(entry.row, "failed");
    unsent.push({ text: entry.text, at: entry.at });
  }

  /** Redraws every row in the current language. */
  function redraw() {
    f.transcript.textContent = "";
    for (const event of events) {
      drawEvent(event.raw, event.at);
    }
    for (const entry of unsent) {
      setRowState(ownRow(entry.text, null, entry.at), "failed");
    }
    for (const entry of outbox) {
      entry.row = ownRow(entry.text, null, entry.at);
      setRowState(entry.row, "sending");
    }
  }

  // Composer -----------------------------------------------------------------------------

  function sendReply() {
    const text = f.input.value.trim();
    if (!text || chat.ended) {
      return;
    }
    if (text.length > MAX_TEXT) {
      env.notify(t("errors.text_too_long"), "error");
      return;
    }
    if (!env.send({ type: "message", conversation: id, text })) {
      return; // Kept in the composer until the connection is back.
    }
    f.input.value = "";
    updateCount();
    const at = Date.now();
    const row = ownRow(text, null, at);
    setRowState(row, "sending");
    scrollToEnd();
    outbox.push({ text, at, row });
    lastTypingSent = 0;
    f.input.focus();
  }

  function updateCount() {
    const length = f.input.value.length;
    f.count.textContent = length > MAX_TEXT * 0.8 ? t("composerCount", { n: length, max: MAX_TEXT }) : "";
  }

  /** Inserts `text` at the caret (replacing any selection) and focuses the composer. */
  function insert(text) {
    const start = f.input.selectionStart;
    const before = f.input.value.slice(0, start);
    const spacer = before && !/\s$/.test(before) ? " " : "";
    f.input.setRangeText(spacer + text, start, f.input.selectionEnd, "end");
    f.input.focus();
    updateCount();
  }

  // Suggestions --------------------------------------------------------------------------

  function renderSuggestions() {
    f.suggestionList.textContent = "";
    for (const suggestion of suggestionItems) {
      const li = el("li", { class: "suggestion" });
      const button = el("button", {
        type: "button",
        class: "suggestion-button",
        title: t("insertTitle"),
        "data-testid": "suggestion"
      });
      const head = el("span", { class: "suggestion-head" });
      head.appendChild(el("span", { class: "suggestion-intent" }, str(suggestion.intent)));
      head.appendChild(el("span", { class: "suggestion-conf" }, percent(suggestion.confidence) + " %"));
      head.appendChild(el("span", { class: "suggestion-insert" }, t("insert")));
      button.appendChild(head);
      button.appendChild(el("span", { class: "suggestion-text", "data-testid": "suggestion-text" }, suggestion.text));
      button.addEventListener("click", () => insert(suggestion.text));
      li.appendChild(button);
      f.suggestionList.appendChild(li);
    }
    followEnd(() => {
      f.suggestions.hidden = suggestionItems.length === 0 || !!chat.ended;
    });
  }

  // Canned responses ---------------------------------------------------------------------

  function toggleCanned(open) {
    f.canned.hidden = !open;
    f.cannedToggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      return;
    }
    f.cannedFilter.value = "";
    if (cannedItems) {
      filterCanned();
    } else {
      f.cannedList.textContent = "";
      f.cannedList.appendChild(el("li", { class: "none" }, t("cannedLoading")));
      env.canned(lang()).then(
        (items) => {
          cannedItems = items;
          fillCanned();
        },
        () => {
          f.cannedList.textContent = "";
          f.cannedList.appendChild(el("li", { class: "none" }, t("cannedError")));
        }
      );
    }
    f.cannedFilter.focus();
  }

  function fillCanned() {
    f.cannedList.textContent = "";
    for (const canned of cannedItems) {
      const li = el("li", { class: "canned-item" });
      const button = el("button", { type: "button", class: "canned-button", "data-testid": "canned-item" });
      const label = str(canned.label);
      if (label) {
        button.appendChild(el("span", { class: "canned-label" }, label));
      }
      button.appendChild(el("span", { class: "canned-text", "data-testid": "canned-text" }, canned.text));
      button.addEventListener("click", () => {
        toggleCanned(false);
        insert(canned.text);
      });
      li.appendChild(button);
      li.setAttribute("data-search", (label + " " + canned.text).toLowerCase());
      f.cannedList.appendChild(li);
    }
    f.cannedList.appendChild(el("li", { class: "none", "data-empty": "true" }, t("cannedEmpty")));
    filterCanned();
  }

  function filterCanned() {
    const query = f.cannedFilter.value.trim().toLowerCase();
    let shown = 0;
    for (const li of f.cannedList.querySelectorAll("[data-search]")) {
      li.hidden = query !== "" && !li.getAttribute("data-search").includes(query);
      shown += li.hidden ? 0 : 1;
    }
    const none = f.cannedList.querySelector("[data-empty]");
    if (none) {
      none.hidden = shown > 0;
    }
  }

  /** Escape closes the menu; up and down move between the filter and the responses. */
  function cannedKeys(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      toggleCanned(false);
      f.cannedToggle.focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    const buttons = Array.from(f.cannedList.querySelectorAll("button")).filter((b) => !b.parentNode.hidden);
    const next = buttons.indexOf(document.activeElement) + (event.key === "ArrowDown" ? 1 : -1);
    event.preventDefault();
    if (next < 0) {
      f.cannedFilter.focus();
    } else if (next < buttons.length) {
      buttons[next].focus();
    }
  }

  // Typing and end -----------------------------------------------------------------------

  function setTyping(on) {
    window.clearTimeout(typingTimer);
    followEnd(() => {
      f.typing.hidden = !on;
    });
    tab.root.classList.toggle("chat-tab--typing", on);
    if (on) {
      typingTimer = window.setTimeout(() => setTyping(false), TYPING_SHOW_MS);
    }
  }

  function showEnded() {
    followEnd(showEndedNow);
  }

  function showEndedNow() {
    const ended = !!chat.ended;
    f.ended.textContent = ended ? t(ENDED_TEXT[chat.ended] || "endedAgent") : "";
    f.ended.hidden = !ended;
    f.composer.hidden = ended;
    f.release.hidden = ended;
    f.close.hidden = ended;
    f.dismiss.hidden = !ended;
    f.input.disabled = ended;
    f.suggestions.hidden = ended || suggestionItems.length === 0;
    view.root.classList.toggle("chat--ended", ended);
  }

  /** Ends the chat on screen (once: a close we sent, confirmed by the server, is not news). */
  function end(by) {
    if (chat.ended) {
      return;
    }
    const hadFocus = view.root.contains(document.activeElement);
    chat.ended = by;
    abandonOutbox();
    setTyping(false);
    toggleCanned(false);
    showEnded();
    renderHeader();
    env.changed(chat);
    if (hadFocus || env.isActive(chat)) {
      f.dismiss.focus();
    }
  }

  renderHeader();
  renderContext();

  // The chat's interface for the desk and the frame dispatcher ---------------------------

  return Object.assign(chat, {
    lang,
    /**
     * A `transcript` frame: the history so far and the context of the handoff, on accept or
     * takeover (`request`: how we asked for it), or again after a reconnection.
     */
    transcript(frame, request) {
      if (request) {
        origin = request.origin || origin;
        item = request.item || item;
      }
      if (chat.ended) {
        chat.ended = null; // Ours again (taken back from the queue after a loss).
        showEnded();
      }
      if (frame.context && typeof frame.context === "object") {
        context = frame.context;
      }
      for (const event of Array.isArray(frame.events) ? frame.events : []) {
        if (!event || typeof event !== "object" || !addEvent(event, 0)) {
          continue;
        }
        // A message sent before a reconnection, stored although its ack was lost.
        if (str(event.type) === "agent" && outbox.length && outbox[0].text === str(event.text)) {
          outbox.shift().row.row.remove();
        }
      }
      abandonOutbox();
      renderHeader();
      renderContext();
      scrollToEnd();
    },
    /** A `customer` frame: the customer wrote. */
    customer(frame) {
      setTyping(false);
      addEvent({ type: "customer", seq: frame.seq, text: frame.text, choice: frame.choice }, num(frame.at_ms, 0) || Date.now());
      renderContext();
      if (!env.isActive(chat) || document.hidden) {
        chat.unread += 1;
        renderHeader();
        env.changed(chat);
      }
    },
    /** An `ack` frame: the oldest message in flight is stored as event `seq`. */
    ack(frame) {
      const entry = outbox.shift();
      if (!entry) {
        return;
      }
      const seq = num(frame.seq, 0);
      entry.row.row.remove();
      if (seq) {
        seqs.add(seq);
      }
      events.push({ raw: { type: "agent", seq: seq || undefined, text: entry.text }, at: entry.at });
      ownRow(entry.text, seq || null, entry.at);
    },
    /** The server refused the last message sent: marked, and put back in an empty composer. */
    refuseLast() {
      const entry = outbox.pop();
      if (!entry) {
        return;
      }
      markUnsent(entry);
      if (!f.input.value) {
        f.input.value = entry.text;
        updateCount();
      }
    },
    /** A `customer_typing` frame. */
    customerTyping() {
      setTyping(true);
    },
    /** A `suggestions` frame: FAQ answers for the customer's latest message. */
    suggestions(items) {
      suggestionItems = (Array.isArray(items) ? items : []).filter(
        (s) => s && typeof s.text === "string" && s.text
      );
      renderSuggestions();
    },
    end,
    /** A `flagged` frame: the advisor's FAQ proposal is stored. */
    flagged(frame) {
      flag.flagged(frame);
    },
    /** The server refused the advisor's FAQ proposal with `code`. */
    flagRefused(code) {
      flag.refused(code);
    },
    /** Shows or hides this chat as the selected one. */
    setSelected(selected) {
      tab.root.setAttribute("aria-selected", selected ? "true" : "false");
      tab.root.tabIndex = selected ? 0 : -1;
      view.root.hidden = !selected;
      if (selected) {
        chat.unread = 0;
        renderHeader();
        scrollToEnd();
      }
    },
    /** Clears the unread count (the page became visible again while selected). */
    markRead() {
      chat.unread = 0;
      renderHeader();
    },
    /** Puts the keyboard in the composer. */
    focusComposer() {
      f.input.focus();
    },
    /** Redraws everything in the current interface language. */
    rerender() {
      renderHeader();
      renderContext();
      redraw();
      updateCount();
      showEnded();
      renderSuggestions();
      flag.rerender();
      if (cannedItems) {
        fillCanned();
      }
    },
    /** Stops timers before the chat is thrown away. */
    destroy() {
      window.clearTimeout(typingTimer);
      document.removeEventListener("click", clickOutside);
      tab.root.remove();
      view.root.remove();
    }
  });
}
