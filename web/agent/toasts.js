/**
 * Short notifications in the corner (announced politely to screen readers), and
 * announcements for screen readers only, for news already visible elsewhere.
 */

import { byId, el } from "./dom.js";

/** How long a notification stays, in milliseconds, and how many show at once. */
const TOAST_MS = 7000;
const MAX_TOASTS = 4;

/** Shows `text`; `kind` is info, warn or error. */
export function toast(text, kind) {
  const box = byId("toasts");
  const node = el("p", { class: "toast toast--" + (kind || "info"), "data-testid": "toast" }, text);
  box.appendChild(node);
  while (box.childElementCount > MAX_TOASTS) {
    box.firstElementChild.remove();
  }
  window.setTimeout(() => node.remove(), TOAST_MS);
}

/** Tells screen readers `text` without showing it. */
export function announce(text) {
  const region = byId("announcer");
  // A change of text is what gets announced: clear first so a repeat is heard too.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}
