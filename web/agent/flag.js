/**
 * "This answer should become a FAQ": the advisor proposes a text they wrote (one of their
 * messages, or the composer's draft), edits it, and sends it as a `flag_faq` frame; the
 * server stores it in the inbox of missed questions (`relais inbox list`) and answers
 * `flagged`, or refuses it with an `error`. The text is only ever set with `value` and
 * `textContent`.
 */

import { el, num } from "./dom.js";
import { t } from "./i18n.js";

/** Server limit on one text (docs/protocol.md), as for messages. */
const MAX_TEXT = 2000;

/**
 * The flag editor of conversation `id`, in the chat's fields `f` (flag, flagLabel, flagInput,
 * flagSend, flagCancel, flagStatus). env: `send(frame)` (false when offline), `notify(text,
 * kind)`, `fallbackFocus()` (where the keyboard goes when the opener is gone).
 */
export function createFlag(id, n, f, env) {
  /** The text sent and not yet answered, null when none. */
  let pending = null;
  /** The button that opened the editor: the keyboard goes back to it. */
  let opener = null;
  /** What the status line says: {key, params, kind}, null when hidden. */
  let status = null;

  f.flagInput.id = "chat-flag-" + n;
  f.flagLabel.setAttribute("for", f.flagInput.id);

  f.flag.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  f.flagCancel.addEventListener("click", close);
  f.flag.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  function showStatus(next) {
    status = next;
    f.flagStatus.hidden = !status;
    f.flagStatus.textContent = status ? t(status.key, status.params) || status.key : "";
    f.flagStatus.classList.toggle("flag-status--error", !!status && status.kind === "error");
  }

  function setPending(text) {
    pending = text;
    f.flagSend.disabled = pending !== null;
    f.flagSend.textContent = t(pending !== null ? "msgSending" : "flagSend");
  }

  function submit() {
    const text = f.flagInput.value.trim();
    if (pending !== null) {
      return;
    }
    if (!text) {
      showStatus({ key: "errors.empty_text", kind: "error" });
      return;
    }
    if (text.length > MAX_TEXT) {
      showStatus({ key: "errors.text_too_long", kind: "error" });
      return;
    }
    if (!env.send({ type: "flag_faq", conversation: id, text })) {
      return; // Kept in the editor until the connection is back.
    }
    setPending(text);
    showStatus(null);
  }

  /** Hides the editor; a proposal in flight still gets its confirmation. */
  function close() {
    f.flag.hidden = true;
    restoreFocus();
  }

  function restoreFocus() {
    if (opener && opener.isConnected && !opener.closest("[hidden]")) {
      opener.focus();
    } else {
      env.fallbackFocus();
    }
  }

  return {
    /** A button proposing `text` (one of the advisor's own messages) as a FAQ. */
    button(text) {
      const button = el("button", {
        type: "button",
        class: "msg-flag",
        "data-testid": "flag-message",
        title: t("flagMessageTitle")
      }, t("flagButton"));
      button.addEventListener("click", () => this.open(text, button));
      return button;
    },
    /** Opens the editor holding `text`, editable; `from` gets the keyboard back after. */
    open(text, from) {
      opener = from || null;
      f.flagInput.value = text;
      showStatus(null);
      f.flag.hidden = false;
      f.flagInput.focus();
    },
    /** A `flagged` frame: the proposal is stored as inbox item `frame.item`. */
    flagged(frame) {
      if (pending === null) {
        return;
      }
      f.flag.hidden = true;
      setPending(null);
      showStatus({ key: "flagDone", params: { n: num(frame.item, 0) }, kind: "ok" });
      env.notify(t("flagDone", { n: num(frame.item, 0) }), "info");
      restoreFocus();
    },
    /** The server refused the proposal with `code`: said in the editor, which stays open. */
    refused(code) {
      if (pending === null) {
        return;
      }
      setPending(null);
      showStatus(
        t("errors." + code) ? { key: "errors." + code, kind: "error" } : { key: "errors.generic", params: { code }, kind: "error" }
      );
      f.flagInput.focus();
    },
    /** Redraws the texts in the current interface language. */
    rerender() {
      setPending(pending);
      showStatus(status);
    }
  };
}
