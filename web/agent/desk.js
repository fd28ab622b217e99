/**
 * The desk: the chats this advisor has open, as an ARIA tablist (arrow keys move between
 * them), one selected at a time. Closed chats stay until dismissed so the advisor can finish
 * reading them.
 */

import { arrowKeys, byId } from "./dom.js";
import { createChat } from "./chat.js";

/** env: what chats need (`send`, `me`, `canned`, `notify`) and `changed()` for counts and titles. */
export function createDesk(env) {
  const tabs = byId("chat-tabs");
  const box = byId("chats");
  const empty = byId("desk-empty");
  const home = byId("desk");
  /** Chats by conversation id, in the order they were opened. */
  const chats = new Map();
  let active = null;

  const chatEnv = {
    send: env.send,
    me: env.me,
    canned: env.canned,
    notify: env.notify,
    isActive: (chat) => chat === active,
    changed: () => env.changed(),
    dismiss
  };

  function select(chat, focusTab) {
    active = chat;
    for (const other of chats.values()) {
      other.setSelected(other === chat);
    }
    if (focusTab) {
      chat.tab.focus();
    }
    env.changed();
  }

  function dismiss(chat) {
    chat.destroy();
    chats.delete(chat.id);
    if (active === chat) {
      active = null;
      const last = Array.from(chats.values()).pop();
      if (last) {
        select(last, true);
      } else {
        home.focus();
      }
    }
    refresh();
    env.changed();
  }

  function refresh() {
    empty.hidden = chats.size > 0;
    tabs.hidden = chats.size === 0;
  }

  arrowKeys(
    tabs,
    () => Array.from(chats.values(), (chat) => chat.tab),
    (tab) => select(chats.get(tab.getAttribute("data-conversation")), true)
  );

  refresh();

  return {
    /** Opens a chat for conversation `id` (see createChat for `request`). */
    open(id, request) {
      const chat = createChat(id, request, chatEnv);
      chats.set(id, chat);
      chat.tab.addEventListener("click", () => select(chat, false));
      tabs.appendChild(chat.tab);
      box.appendChild(chat.view);
      chat.setSelected(false);
      refresh();
      if (!active) {
        select(chat, false);
      }
      return chat;
    },
    /** The chat of conversation `id`, if open. */
    get(id) {
      return chats.get(id) || null;
    },
    select,
    /** Every chat, in opening order. */
    all() {
      return Array.from(chats.values());
    },
    /** The selected chat, if any. */
    active() {
      return active;
    },
    /** Chats still going on (not ended). */
    openCount() {
      return this.all().filter((chat) => !chat.ended).length;
    },
    /** Customer messages not yet seen, over every chat. */
    unread() {
      return this.all().reduce((sum, chat) => sum + chat.unread, 0);
    },
    /** Redraws every chat in the current interface language. */
    rerender() {
      for (const chat of chats.values()) {
        chat.rerender();
      }
    },
    /** Closes every chat view (logout). */
    clear() {
      for (const chat of Array.from(chats.values())) {
        chat.destroy();
        chats.delete(chat.id);
      }
      active = null;
      refresh();
    }
  };
}
