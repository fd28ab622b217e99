/**
 * Interface language: the string lookup `t()`, translation of static markup, and the
 * formatting of times, durations and labels in the chosen language.
 *
 * Static text in index.html and in the <template>s carries `data-i18n="key"` (text),
 * `data-i18n-placeholder` or `data-i18n-aria-label` (attributes); `translate()` fills them in.
 */

import { STRINGS } from "./strings.js";

let current = "fr";

/** "fr" or "en" from any language tag or code, null when neither. */
export function pickLang(value) {
  const lang = String(value || "").toLowerCase().slice(0, 2);
  return Object.hasOwn(STRINGS, lang) ? lang : null;
}

/** The interface language. */
export function uiLang() {
  return current;
}

/** Switches the interface language (the caller re-renders what it owns). */
export function setUiLang(lang) {
  current = pickLang(lang) || "fr";
  document.documentElement.lang = current;
}

/** The string `key` (dotted for nested maps) with `{name}` placeholders filled; null if absent. */
export function t(key, params) {
  const value = key.split(".").reduce(
    (node, part) => (node && typeof node === "object" && Object.hasOwn(node, part) ? node[part] : undefined),
    STRINGS[current]
  );
  if (typeof value !== "string") {
    return null;
  }
  return value.replace(/\{(\w+)\}/g, (whole, name) =>
    params && params[name] !== undefined ? String(params[name]) : whole
  );
}

/** Translates the data-i18n texts and attributes under `root`. */
export function translate(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.getAttribute("data-i18n"));
  }
  for (const [marker, attribute] of [
    ["data-i18n-placeholder", "placeholder"],
    ["data-i18n-aria-label", "aria-label"]
  ]) {
    for (const node of root.querySelectorAll("[" + marker + "]")) {
      node.setAttribute(attribute, t(node.getAttribute(marker)));
    }
  }
}

function pad(n) {
  return n < 10 ? "0" + n : String(n);
}

/** "45 s", "3 min 05", "1 h 02". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) {
    return t("durationS", { s });
  }
  if (s < 3600) {
    return t("durationM", { m: Math.floor(s / 60), s: pad(s % 60) });
  }
  return t("durationH", { h: Math.floor(s / 3600), m: pad(Math.floor(s / 60) % 60) });
}

/** Hours and minutes of a time in milliseconds since the epoch. */
export function formatClock(ms) {
  return new Date(ms).toLocaleTimeString(current, { hour: "2-digit", minute: "2-digit" });
}

/** Day, month and time of a time in milliseconds since the epoch. */
export function formatDateTime(ms) {
  return new Date(ms).toLocaleString(current, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** "FR" for "fr"; a dash when unknown. */
export function langLabel(lang) {
  return typeof lang === "string" && lang ? lang.toUpperCase() : "—";
}

/** A skill's name in the interface language (the raw id when unknown). */
export function skillLabel(skill) {
  return skill ? t("skills." + skill) || skill : "—";
}

/** Why the customer waits for an advisor, in words (the raw code when unknown). */
export function reasonLabel(reason) {
  return reason ? t("reasons." + reason) || reason : "";
}
