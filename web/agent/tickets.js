/**
 * The callbacks pane: requests customers left when no advisor was available (name, contact,
 * message, given with their consent), oldest first, to be called back and marked as done.
 */

import { api, okJson } from "./api.js";
import { byId, instantiate, num, shortId, str } from "./dom.js";
import { formatDateTime, langLabel, t } from "./i18n.js";
import { toast } from "./toasts.js";

/**
 * A ticket as `GET /api/agent/tickets` lists it: {id, created_ms, status, body: the form
 * (name, contact, message, conversation, lang) plus, once processed, done_by and done_ms}.
 */
function readTicket(ticket) {
  const body = ticket.body && typeof ticket.body === "object" ? ticket.body : {};
  return {
    id: str(ticket.id),
    created: num(ticket.created_ms, 0),
    name: str(body.name),
    contact: str(body.contact),
    message: str(body.message),
    lang: str(body.lang),
    conversation: str(body.conversation),
    done: str(ticket.status) === "done",
    doneBy: str(body.done_by),
    doneAt: num(body.done_ms, 0)
  };
}

/** `doneBy()`: the signed-in advisor's name, shown on the requests they process. */
export function createTickets(doneBy) {
  const list = byId("ticket-list");
  const empty = byId("tickets-empty");
  const count = byId("tickets-count");
  const error = byId("tickets-error");
  const showDone = byId("tickets-show-done");
  let tickets = [];

  function render() {
    const focused = document.activeElement ? document.activeElement.closest("[data-ticket]") : null;
    const focusedId = focused ? focused.getAttribute("data-ticket") : null;
    list.textContent = "";
    const sorted = tickets.slice().sort((a, b) => a.done - b.done || a.created - b.created);
    for (const ticket of sorted) {
      if (ticket.done && !showDone.checked) {
        continue;
      }
      const { root, fields: f } = instantiate("tpl-ticket");
      root.setAttribute("data-ticket", ticket.id);
      root.classList.toggle("card--done", ticket.done);
      f.lang.textContent = langLabel(ticket.lang);
      f.lang.hidden = !ticket.lang;
      f.kind.textContent = t(ticket.contact ? "ticketCallback" : "ticketMessage");
      f.done.hidden = !ticket.done;
      f.created.textContent = ticket.created ? formatDateTime(ticket.created) : "";
      f.name.textContent = ticket.name;
      f.contact.textContent = ticket.contact || t("ticketNoContact");
      f.message.textContent = ticket.message;
      f.message.hidden = !ticket.message;
      const ref = t("ticketRef", { id: ticket.id, c: shortId(ticket.conversation) || "—" });
      const done = ticket.done && ticket.doneAt
        ? " · " + t("ticketDoneBy", { name: ticket.doneBy || "—", time: formatDateTime(ticket.doneAt) })
        : "";
      f.ref.textContent = ref + done;
      f.mark.hidden = ticket.done;
      f.mark.addEventListener("click", () => {
        f.mark.disabled = true;
        markDone(ticket);
      });
      list.appendChild(root);
      if (focusedId === ticket.id && !ticket.done) {
        f.mark.focus();
      }
    }
    const open = tickets.filter((ticket) => !ticket.done).length;
    count.textContent = String(open);
    count.classList.toggle("count--quiet", open === 0);
    empty.hidden = list.childElementCount > 0;
    empty.firstElementChild.textContent = t(showDone.checked ? "ticketsEmptyAll" : "ticketsEmpty");
  }

  async function markDone(ticket) {
    try {
      const response = await api("POST", "/api/agent/tickets/" + encodeURIComponent(ticket.id) + "/done");
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      ticket.done = true;
      ticket.doneAt = Date.now();
      ticket.doneBy = doneBy();
      render();
      list.focus();
    } catch (_) {
      toast(t("markDoneFailed"), "error");
      render();
    }
  }

  showDone.addEventListener("change", render);
  list.setAttribute("tabindex", "-1");

  return {
    /** Fetches the tickets again. */
    async load() {
      try {
        const body = await okJson(await api("GET", "/api/agent/tickets"));
        tickets = (Array.isArray(body) ? body : []).filter((ticket) => ticket && typeof ticket === "object").map(readTicket).filter((ticket) => ticket.id);
        error.hidden = true;
      } catch (_) {
        error.textContent = t("ticketsError");
        error.hidden = false;
      }
      render();
    },
    /** Redraws (language change). */
    render,
    /** Forgets everything (logout). */
    clear() {
      tickets = [];
      error.hidden = true;
      render();
    }
  };
}
