/**
 * DOM and value helpers shared by every view. Text only ever enters the page through
 * `textContent` (here in `el`): server data is never parsed as HTML.
 */

import { translate } from "./i18n.js";

/** The element with `id` in the page. */
export function byId(id) {
  return document.getElementById(id);
}

/** A new element with attributes and, optionally, its text. */
export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    node.setAttribute(name, value);
  }
  if (text !== undefined && text !== null) {
    node.textContent = text;
  }
  return node;
}

/** Clones <template id>, translated; returns its root and its `data-field` elements by name. */
export function instantiate(id) {
  const root = byId(id).content.firstElementChild.cloneNode(true);
  translate(root);
  const fields = {};
  for (const node of root.querySelectorAll("[data-field]")) {
    fields[node.getAttribute("data-field")] = node;
  }
  return { root, fields };
}

/** `value` if it is a string, else "". */
export function str(value) {
  return typeof value === "string" ? value : "";
}

/** `value` if it is a finite number, else `fallback`. */
export function num(value, fallback) {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** `object[name]` when it is the object's own property, else undefined. */
export function pickOwn(object, name) {
  return object && Object.hasOwn(object, name) ? object[name] : undefined;
}

/** The first characters of a conversation id, enough to tell chats apart. */
export function shortId(id) {
  return str(id).slice(0, 6);
}

/** A confidence in [0, 1] as a whole percentage. */
export function percent(confidence) {
  return Math.round(Math.max(0, Math.min(1, num(confidence, 0))) * 100);
}

/**
 * Keyboard navigation of an ARIA tablist: arrows, Home and End move among `tabs()` and call
 * `choose(tab)`.
 */
export function arrowKeys(container, tabs, choose) {
  container.addEventListener("keydown", (event) => {
    const list = tabs();
    const index = list.indexOf(document.activeElement);
    const next = {
      ArrowRight: index + 1,
      ArrowDown: index + 1,
      ArrowLeft: index - 1,
      ArrowUp: index - 1,
      Home: 0,
      End: list.length - 1
    }[event.key];
    if (index < 0 || next === undefined) {
      return;
    }
    event.preventDefault();
    choose(list[(next + list.length) % list.length]);
  });
}

/**
 * Puts `nodes` into `list` in that order, moving only the nodes out of place so that focus
 * inside an unmoved node survives the frequent refreshes.
 */
export function reorder(list, nodes) {
  let previous = null;
  for (const node of nodes) {
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (expected !== node) {
      list.insertBefore(node, expected);
    }
    previous = node;
  }
}
