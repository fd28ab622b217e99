/**
 * The live pane: bot conversations of the last minutes, the hardest first (misunderstandings
 * and frustration), with a discreet "take over" so an advisor can step in before the customer
 * asks.
 */

import { byId, instantiate, num, reorder, str } from "./dom.js";
import { formatDuration, langLabel, t } from "./i18n.js";

/** desk: `takeover(item)`, `isPending(id)`, `owns(id)` (chats already open are not listed). */
export function createLive(desk) {
  const list = byId("live-list");
  const empty = byId("live-empty");
  const count = byId("live-count");
  /** Cards by conversation id: {item, view}. */
  let entries = new Map();
  let lastItems = [];

  function card(id) {
    const entry = { view: instantiate("tpl-live-item") };
    entry.view.root.setAttribute("data-conversation", id);
    entry.view.fields.takeover.addEventListener("click", () => desk.takeover(entry.item));
    return entry;
  }

  function risk(item) {
    return num(item.misunderstandings, 0) + num(item.frustration, 0);
  }

  function fill(entry) {
    const { item, view } = entry;
    const f = view.fields;
    const missed = num(item.misunderstandings, 0);
    const frustration = num(item.frustration, 0);
    view.root.classList.toggle("card--risk", risk(item) > 0);
    f.lang.textContent = langLabel(item.lang);
    f.turns.textContent = t("liveTurns", { n: num(item.turns, 0) });
    f.misunderstandings.textContent = t("liveMisunderstood", { n: missed });
    f.misunderstandings.hidden = missed === 0;
    f.frustration.textContent = t("liveFrustration", { n: frustration });
    f.frustration.hidden = frustration === 0;
    f.preview.textContent = str(item.last_text_preview);
    f.preview.hidden = !item.last_text_preview;
    const busy = desk.isPending(item.conversation);
    f.takeover.disabled = busy;
    f.takeover.textContent = t(busy ? "takingOver" : "takeover");
    fillSince(entry);
  }

  function fillSince(entry) {
    const started = num(entry.item.started_ms, 0);
    entry.view.fields.since.textContent = started
      ? t("liveSince", { d: formatDuration((Date.now() - started) / 1000) })
      : "";
  }

  function show(items) {
    const valid = items
      .filter((item) => item && typeof item.conversation === "string" && !desk.owns(item.conversation))
      .sort((a, b) => risk(b) - risk(a) || num(b.started_ms, 0) - num(a.started_ms, 0));
    const next = new Map();
    for (const item of valid) {
      const entry = entries.get(item.conversation) || card(item.conversation);
      entry.item = item;
      next.set(item.conversation, entry);
    }
    for (const [id, entry] of entries) {
      if (!next.has(id)) {
        entry.view.root.remove();
      }
    }
    entries = next;
    entries.forEach(fill);
    reorder(list, Array.from(entries.values(), (entry) => entry.view.root));
    count.textContent = String(entries.size);
    empty.hidden = entries.size > 0;
    list.hidden = entries.size === 0;
  }

  return {
    /** A `live` frame's items. */
    update(items) {
      lastItems = Array.isArray(items) ? items : [];
      show(lastItems);
    },
    /** Re-applies the last frame (a chat opened or closed, buttons, language). */
    rerender() {
      show(lastItems);
    },
    /** Advances the durations. */
    tick() {
      entries.forEach(fillSince);
    },
    /** Forgets everything (logout). */
    clear() {
      this.update([]);
    }
  };
}
