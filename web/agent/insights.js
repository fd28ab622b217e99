/**
 * What the bot understood (intents with confidence) and what it failed to understand (the
 * customer's own words), shown on queue cards and beside each chat.
 */

import { el, num, percent, str } from "./dom.js";
import { t } from "./i18n.js";

/** Fills `list` with one row per intent: name, confidence bar (class buckets), percentage. */
export function renderIntents(list, items) {
  list.textContent = "";
  const valid = (Array.isArray(items) ? items : []).filter((item) => item && typeof item.intent === "string");
  if (!valid.length) {
    list.appendChild(el("li", { class: "none" }, t("nothingUnderstood")));
    return;
  }
  for (const item of valid) {
    const p = percent(item.confidence);
    const row = el("li", { class: "intent", "data-testid": "intent" });
    row.appendChild(el("span", { class: "intent-name" }, item.intent));
    const bar = el("span", { class: "bar", "aria-hidden": "true" });
    bar.appendChild(el("span", { class: "bar-fill fill-" + Math.round(p / 10) }));
    row.appendChild(bar);
    const level = p >= 70 ? "high" : p >= 40 ? "mid" : "low";
    row.appendChild(el("span", { class: "intent-conf conf-" + level }, p + " %"));
    list.appendChild(row);
  }
}

/** Fills `list` with the customer's misunderstood messages, quoted, as text. */
export function renderMissed(list, items) {
  list.textContent = "";
  const valid = (Array.isArray(items) ? items : []).filter((text) => typeof text === "string" && text);
  if (!valid.length) {
    list.appendChild(el("li", { class: "none" }, t("nothingMissed")));
    return;
  }
  for (const text of valid) {
    list.appendChild(el("li", { class: "quote", "data-testid": "missed-text" }, text));
  }
}

/**
 * The same insight read from a transcript, for chats the server sent without a context: the
 * best confidence of each intent the bot acted on, and each customer message the bot answered
 * with a fallback.
 */
export function deriveInsights(events) {
  const best = new Map();
  const missed = [];
  let lastCustomer = null;
  for (const event of events) {
    const type = str(event.type) || str(event.kind);
    if (type === "customer") {
      lastCustomer = str(event.text);
    } else if (type === "bot") {
      const intent = str(event.intent);
      const confidence = num(event.confidence, 0);
      if (intent && !(best.get(intent) >= confidence)) {
        best.set(intent, confidence);
      }
      if (str(event.outcome) === "fallback" && lastCustomer) {
        missed.push(lastCustomer);
      }
      lastCustomer = null;
    }
  }
  return {
    understood: Array.from(best, ([intent, confidence]) => ({ intent, confidence })),
    missed
  };
}
