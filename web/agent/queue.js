/**
 * The queue pane: customers waiting for an advisor that this advisor may take, in the
 * server's order (priority, then arrival). Each card shows language, skill, priority, the
 * wait (ticking locally between server frames), why the customer is here, who they asked
 * for, and what the bot understood and missed.
 */

import { byId, instantiate, num, reorder, str } from "./dom.js";
import { formatDuration, langLabel, reasonLabel, skillLabel, t } from "./i18n.js";
import { renderIntents, renderMissed } from "./insights.js";

/**
 * desk: `accept(item)` when the advisor clicks Accept, `isPending(id)` while an accept is in
 * flight, `atCapacity()`, `me()` (the advisor's record, for "asked for you"), `arrived()` when
 * new customers join a queue already shown.
 */
export function createQueue(desk) {
  const list = byId("queue-list");
  const empty = byId("queue-empty");
  const summary = byId("queue-summary");
  const count = byId("queue-count");
  /** Cards by conversation id, in the server's order: {item, receivedAt, view}. */
  let entries = new Map();
  /** How many this advisor may take: the server lists only the first ones. */
  let total = 0;
  let primed = false;

  function card(id) {
    const entry = { view: instantiate("tpl-queue-item") };
    entry.view.root.setAttribute("data-conversation", id);
    entry.view.fields.accept.addEventListener("click", () => desk.accept(entry.item));
    return entry;
  }

  function waited(entry) {
    return num(entry.item.waiting_s, 0) + (Date.now() - entry.receivedAt) / 1000;
  }

  function fill(entry) {
    const { item, view } = entry;
    const f = view.fields;
    const priority = num(item.priority, 0);
    const requested = str(item.requested_agent);
    const forMe = requested !== "" && requested === str(desk.me().name);
    view.root.classList.toggle("card--urgent", priority > 0);
    view.root.classList.toggle("card--mine", forMe);
    f.position.textContent = t("position", { n: num(item.position, 0) || "—" });
    f.lang.textContent = langLabel(item.lang);
    f.skill.textContent = skillLabel(str(item.skill));
    f.skill.hidden = !item.skill;
    f.priority.hidden = priority === 0;
    f.reason.textContent = reasonLabel(str(item.reason));
    f.reason.hidden = !item.reason;
    f.requested.textContent = forMe ? t("requestedYou") : t("requestedAgent", { name: requested });
    f.requested.hidden = !requested;
    renderIntents(f.understood, item.understood);
    renderMissed(f.missed, item.missed);
    fillButton(entry);
    fillWait(entry);
  }

  function fillButton(entry) {
    const button = entry.view.fields.accept;
    const busy = desk.isPending(entry.item.conversation);
    const full = desk.atCapacity();
    button.disabled = busy;
    button.textContent = t(busy ? "accepting" : "accept");
    button.setAttribute("aria-disabled", full ? "true" : "false");
    button.title = full ? t("capacityFull") : "";
  }

  function fillWait(entry) {
    const seconds = waited(entry);
    const wait = entry.view.fields.wait;
    wait.textContent = formatDuration(seconds);
    wait.classList.toggle("wait--long", seconds >= 120 && seconds < 300);
    wait.classList.toggle("wait--late", seconds >= 300);
  }

  function fillSummary() {
    const longest = Math.max(0, ...Array.from(entries.values(), waited));
    const more = total - entries.size;
    summary.textContent = entries.size
      ? t("queueSummary", { n: total, d: formatDuration(longest) }) + (more > 0 ? " · " + t("queueMore", { n: more }) : "")
      : "";
    summary.hidden = entries.size === 0;
  }

  function fillCounts() {
    count.textContent = String(total);
    count.classList.toggle("count--hot", total > 0);
    count.classList.toggle("count--quiet", total === 0);
    empty.hidden = entries.size > 0;
    list.hidden = entries.size === 0;
    fillSummary();
  }

  return {
    /** A `queue` frame: the first `items` of the `eligible` customers this advisor may take. */
    update(items, eligible) {
      const now = Date.now();
      const valid = (Array.isArray(items) ? items : []).filter(
        (item) => item && typeof item.conversation === "string"
      );
      const next = new Map();
      let arrivals = 0;
      for (const item of valid) {
        const entry = entries.get(item.conversation) || card(item.conversation);
        arrivals += entries.has(item.conversation) ? 0 : 1;
        entry.item = item;
        entry.receivedAt = now;
        next.set(item.conversation, entry);
      }
      for (const [id, entry] of entries) {
        if (!next.has(id)) {
          if (entry.view.root.contains(document.activeElement)) {
            list.focus(); // Keyboard users stay in the queue when the card they were on goes.
          }
          entry.view.root.remove();
        }
      }
      entries = next;
      total = Math.max(num(eligible, 0), entries.size);
      for (const entry of entries.values()) {
        fill(entry);
      }
      reorder(list, Array.from(entries.values(), (entry) => entry.view.root));
      fillCounts();
      if (arrivals && primed) {
        desk.arrived();
        // Restart the badge's pulse: removing the class and reading layout re-arms it.
        count.classList.remove("count--pulse");
        void count.offsetWidth;
        count.classList.add("count--pulse");
      }
      primed = true;
    },
    /** A new connection: its first queue frame is the state, not news. */
    reset() {
      primed = false;
    },
    /** The queue item of conversation `id`, if listed. */
    item(id) {
      const entry = entries.get(id);
      return entry ? entry.item : null;
    },
    /** How many customers this advisor may take. */
    size() {
      return total;
    },
    /** Refreshes buttons (pending accepts, capacity). */
    refreshButtons() {
      entries.forEach(fillButton);
    },
    /** Redraws every card (language change). */
    rerender() {
      entries.forEach(fill);
      fillCounts();
    },
    /** Advances the wait times. */
    tick() {
      entries.forEach(fillWait);
      fillSummary();
    },
    /** Forgets everything (logout). */
    clear() {
      this.update([], 0);
      primed = false;
    }
  };
}
