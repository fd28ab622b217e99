/*!
 * Relais chat widget, embeddable on any page with one tag:
 *
 *   <script src="https://chat.example/widget.js" defer data-lang="fr"></script>
 *
 * Optional attributes on that tag: data-lang ("fr" | "en"), data-server (websocket URL, or the
 * http(s) base of the Relais server; default: the host that served this script, path /ws),
 * data-title (panel title). Elements of the host page with a `data-relais-open` attribute open
 * the panel when clicked; `window.RelaisWidget.open()` / `.close()` do the same from code.
 *
 * Design decisions:
 * - Vanilla JS, no build step, no framework, nothing inline: the host page can run a strict
 *   Content-Security-Policy. The stylesheet (widget.css, next to this file) is loaded by the
 *   script itself.
 * - Light DOM under one root (#relais-widget) with `rl-` prefixed classes and a CSS reset, so
 *   the host page's styles do not leak in and WebDriver tests can reach every element.
 * - Customer and bot text is untrusted: it is only ever inserted with textContent, never
 *   parsed as HTML.
 * - The server keeps the conversation; the widget keeps the resume token, the last event seq
 *   it has seen and the messages not yet acknowledged (localStorage). A page load replays the
 *   whole conversation (last_seq 0); a reconnection after a network loss asks only for what
 *   it missed, drops duplicate seqs and resends unacknowledged messages by client id.
 * - Live handoff to a human advisor: who holds the conversation (bot, queue, advisor) is
 *   derived from the `handoff` events alone, which are stored and replayed, so a reload
 *   rebuilds the same screen. The wait is one status element updated in place by the live
 *   `queue_update` frames; advisors' names and messages are untrusted text like the rest.
 * - End of the chat: the "Terminer" button sends `end` (the close button only minimises the
 *   window). The `end`, `survey` and `survey_answer` events are replayed like the others, so a
 *   survey left pending is still there after a reload; the transcript download fetches the
 *   file with the resume token in the Authorization header (never in a URL) and offers the
 *   blob through a temporary `a[download]`.
 */
(function () {
  "use strict";

  if (window.RelaisWidget) {
    return; // Included twice: the first copy owns the page.
  }

  /** Server text limit (docs/protocol.md); the input enforces it before sending. */
  var MAX_TEXT = 2000;
  /** Bound on messages waiting for the connection (the server recognises recent resends). */
  var MAX_PENDING = 20;
  /** Reconnection backoff, in milliseconds. */
  var BACKOFF_MIN = 500;
  var BACKOFF_MAX = 15000;
  /** Least time between two `typing` frames sent to the advisor. */
  var TYPING_EVERY = 3000;
  /** How long an advisor's `agent_typing` keeps the indicator up without another one. */
  var AGENT_TYPING_FOR = 6000;

  var STRINGS = {
    fr: {
      launcher: "Discuter avec notre conseiller virtuel",
      title: "Conseiller virtuel",
      subtitle: "Réponse immédiate, 24\u00a0h/24",
      language: "Langue",
      close: "Réduire la fenêtre de discussion",
      end: "Terminer",
      endLabel: "Terminer la discussion",
      ended: "Discussion terminée. Vous pouvez la reprendre à tout moment en écrivant un message.",
      surveyQuestion: "Dans quelle mesure a-t-il été facile d’obtenir une réponse à votre question ?",
      surveyLow: "Très difficile",
      surveyHigh: "Très facile",
      surveyScore: "{score} sur 7",
      surveyComment: "Un commentaire ? (facultatif)",
      surveySend: "Envoyer mon avis",
      surveySkip: "Passer",
      surveyNeedScore: "Choisissez une note de 1 à 7.",
      surveyThanks: "Merci pour votre avis !",
      downloads: "Télécharger la conversation",
      downloadText: "Texte",
      downloadHtml: "Page imprimable",
      downloadFailed: "Le téléchargement a échoué. Réessayez dans un instant.",
      erase: "Supprimer ma conversation",
      eraseConfirm: "Confirmer la suppression définitive",
      erased: "Votre conversation a été supprimée. Une nouvelle discussion commence.",
      eraseActive: "Terminez d’abord la discussion avec le conseiller.",
      eraseFailed: "La suppression a échoué. Réessayez dans un instant.",
      log: "Historique de la discussion",
      input: "Votre message",
      placeholder: "Écrivez votre message…",
      send: "Envoyer",
      you: "Vous :",
      bot: "Conseiller virtuel :",
      typing: "Le conseiller virtuel écrit…",
      suggestions: "Réponses suggérées",
      sending: "Envoi…",
      queued: "En attente de connexion",
      failed: "Non envoyé",
      queueFull: "Plusieurs messages attendent déjà le retour de la connexion : patientez un instant.",
      connecting: "Connexion…",
      reconnecting: "Connexion perdue, reconnexion…",
      offline: "Vous êtes hors ligne. Vos messages partiront dès le retour du réseau.",
      footnote: "Ne communiquez jamais vos coordonnées bancaires dans la discussion.",
      unread: " nouveaux messages",
      newConversation: "Votre précédente discussion n’a pas pu être reprise : une nouvelle discussion commence.",
      formTitle: "Être recontacté par un conseiller",
      formName: "Nom",
      formContact: "E-mail ou téléphone",
      formMessage: "Votre demande",
      formConsent: "J’accepte que ces informations soient utilisées pour me recontacter au sujet de ma demande.",
      formSubmit: "Envoyer ma demande",
      formSending: "Envoi de votre demande…",
      formNeedName: "Indiquez votre nom.",
      formNeedContact: "Indiquez une adresse e-mail ou un numéro de téléphone valide.",
      formNeedMessage: "Décrivez brièvement votre demande.",
      formNeedConsent: "Cochez la case pour que nous puissions vous recontacter.",
      callbackSent: "Votre demande de rappel a bien été transmise.",
      advisorName: "Conseiller",
      agent: "Votre conseiller :",
      agentSubtitle: "En ligne avec {name}",
      agentTyping: "{name} écrit…",
      agentJoined: "{name} a rejoint la conversation",
      queueSubtitle: "En attente d’un conseiller",
      queueTitle: "Un conseiller va vous répondre",
      queueRequeued: "Votre conseiller a été déconnecté : vous repassez en tête de file.",
      queuePosition: function (position) {
        return "Vous êtes " + (position === 1 ? "1er" : position + "e") + " dans la file";
      },
      queueWait: "attente estimée ~{wait}",
      leaveQueue: "Quitter la file",
      leftQueue: "Vous avez quitté la file d’attente. Le conseiller virtuel reste à votre écoute.",
      chatEnded: "L’échange avec le conseiller est terminé. Le conseiller virtuel reste à votre écoute.",
      chatEndedByYou: "Vous avez mis fin à l’échange avec le conseiller. Le conseiller virtuel reste à votre écoute.",
      chatReturned: "Votre conseiller vous a redirigé vers le conseiller virtuel.",
      unavailable: {
        no_agent: "Aucun conseiller n’est disponible pour le moment.",
        closed: "Nos conseillers sont absents pour le moment : nous sommes en dehors des horaires d’ouverture.",
        wait_too_long: "Nos conseillers sont très sollicités : l’attente serait trop longue en ce moment.",
        queue_full: "Nos conseillers sont très sollicités en ce moment.",
        generic: "Aucun conseiller ne peut vous répondre en direct pour le moment."
      },
      errors: {
        text_too_long: "Votre message est un peu long : pourriez-vous le raccourcir ?",
        empty_text: "Votre message est vide.",
        consent_required: "Votre accord est nécessaire pour que nous puissions vous recontacter.",
        not_queued: "Vous n’êtes plus en attente d’un conseiller.",
        score_out_of_range: "Choisissez une note de 1 à 7.",
        survey_not_asked: "Aucun questionnaire n’est en attente de réponse.",
        survey_already_answered: "Vous avez déjà répondu à ce questionnaire. Merci !",
        internal: "Un incident technique nous empêche de répondre. Réessayez dans un instant.",
        generic: "Un petit souci technique est survenu. Vous pouvez réessayer."
      }
    },
    en: {
      launcher: "Chat with our virtual advisor",
      title: "Virtual advisor",
      subtitle: "Instant answers, 24/7",
      language: "Language",
      close: "Minimise the chat window",
      end: "End",
      endLabel: "End the chat",
      ended: "Chat ended. You can pick it up again at any time by writing a message.",
      surveyQuestion: "How easy was it to get your question handled?",
      surveyLow: "Very difficult",
      surveyHigh: "Very easy",
      surveyScore: "{score} out of 7",
      surveyComment: "Any comment? (optional)",
      surveySend: "Send my feedback",
      surveySkip: "Skip",
      surveyNeedScore: "Choose a score from 1 to 7.",
      surveyThanks: "Thank you for your feedback!",
      downloads: "Download the conversation",
      downloadText: "Text",
      downloadHtml: "Printable page",
      downloadFailed: "The download failed. Please try again in a moment.",
      erase: "Delete my conversation",
      eraseConfirm: "Confirm: delete it for good",
      erased: "Your conversation was deleted. A new conversation starts.",
      eraseActive: "Please end the chat with the advisor first.",
      eraseFailed: "The deletion failed. Please try again in a moment.",
      log: "Conversation history",
      input: "Your message",
      placeholder: "Type your message…",
      send: "Send",
      you: "You:",
      bot: "Virtual advisor:",
      typing: "The virtual advisor is typing…",
      suggestions: "Suggested replies",
      sending: "Sending…",
      queued: "Waiting for connection",
      failed: "Not sent",
      queueFull: "Several messages are already waiting for the connection: please wait a moment.",
      connecting: "Connecting…",
      reconnecting: "Connection lost, reconnecting…",
      offline: "You are offline. Your messages will be sent when the network is back.",
      footnote: "Never share your bank details in the chat.",
      unread: " new messages",
      newConversation: "Your previous conversation could not be resumed: a new conversation starts.",
      formTitle: "Get a call back from an advisor",
      formName: "Name",
      formContact: "Email or phone",
      formMessage: "Your request",
      formConsent: "I agree that this information may be used to contact me about my request.",
      formSubmit: "Send my request",
      formSending: "Sending your request…",
      formNeedName: "Please enter your name.",
      formNeedContact: "Please enter a valid email address or phone number.",
      formNeedMessage: "Please describe your request briefly.",
      formNeedConsent: "Please tick the box so that we can contact you.",
      callbackSent: "Your callback request has been sent.",
      advisorName: "Advisor",
      agent: "Your advisor:",
      agentSubtitle: "Chatting with {name}",
      agentTyping: "{name} is typing…",
      agentJoined: "{name} joined the conversation",
      queueSubtitle: "Waiting for an advisor",
      queueTitle: "An advisor will be with you shortly",
      queueRequeued: "Your advisor was disconnected: you are back at the head of the queue.",
      queuePosition: function (position) {
        var tens = position % 100;
        var suffix = tens > 10 && tens < 14 ? "th" : ["th", "st", "nd", "rd"][position % 10] || "th";
        return "You are " + position + suffix + " in the queue";
      },
      queueWait: "estimated wait ~{wait}",
      leaveQueue: "Leave the queue",
      leftQueue: "You left the queue. The virtual advisor is still here to help.",
      chatEnded: "The chat with the advisor has ended. The virtual advisor is still here to help.",
      chatEndedByYou: "You ended the chat with the advisor. The virtual advisor is still here to help.",
      chatReturned: "Your advisor handed you back to the virtual advisor.",
      unavailable: {
        no_agent: "No advisor is available right now.",
        closed: "Our advisors are away right now: we are outside opening hours.",
        wait_too_long: "Our advisors are very busy: the wait would be too long right now.",
        queue_full: "Our advisors are very busy right now.",
        generic: "No advisor can chat with you live right now."
      },
      errors: {
        text_too_long: "Your message is a little long: could you shorten it?",
        empty_text: "Your message is empty.",
        consent_required: "We need your agreement to contact you.",
        not_queued: "You are no longer waiting for an advisor.",
        score_out_of_range: "Choose a score from 1 to 7.",
        survey_not_asked: "No survey is waiting for an answer.",
        survey_already_answered: "You have already answered this survey. Thank you!",
        internal: "A technical issue prevents us from answering. Please try again in a moment.",
        generic: "A small technical issue occurred. You can try again."
      }
    }
  };

  // ---------------------------------------------------------------------------------------
  // Configuration, derived from the <script> tag that loaded us.

  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  var scriptUrl = new URL(script ? script.src : "/widget.js", window.location.href);

  /** Websocket URL: data-server if given, else ws(s) on the script's host, path /ws. */
  function serverUrl() {
    var configured = script && script.getAttribute("data-server");
    var base = configured ? new URL(configured, window.location.href) : new URL("/ws", scriptUrl);
    if (base.protocol === "http:" || base.protocol === "https:") {
      base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
      if (!configured || base.pathname === "/") {
        base.pathname = "/ws";
      }
    }
    return base.href;
  }

  function pickLang(value) {
    var lang = String(value || "").toLowerCase().slice(0, 2);
    return STRINGS[lang] ? lang : null;
  }

  var WS_URL = serverUrl();
  var STORE_KEY = "relais:" + WS_URL;

  // ---------------------------------------------------------------------------------------
  // Persistent state (localStorage, best effort: private modes may refuse it).

  var saved = loadState();
  var state = {
    resume: typeof saved.resume === "string" ? saved.resume : null,
    // Saved with the token as the last event this page has seen; a page load still asks for
    // everything (last_seq 0), because it starts with an empty screen to rebuild.
    lastSeq: 0,
    lang:
      pickLang(saved.lang) ||
      pickLang(script && script.getAttribute("data-lang")) ||
      pickLang(document.documentElement.lang) ||
      "fr",
    open: saved.open === true,
    pending: Array.isArray(saved.pending) ? saved.pending.filter(isPendingEntry).slice(-MAX_PENDING) : []
  };

  function isPendingEntry(entry) {
    return (
      entry &&
      typeof entry.id === "string" &&
      typeof entry.text === "string" &&
      entry.frame &&
      (entry.frame.type === "message" || entry.frame.type === "choice") &&
      entry.frame.id === entry.id
    );
  }

  function loadState() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      var parsed = raw ? JSON.parse(raw) : null;
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (_) {
      return {};
    }
  }

  function saveState() {
    try {
      window.localStorage.setItem(
        STORE_KEY,
        JSON.stringify({
          resume: state.resume,
          lastSeq: state.lastSeq,
          lang: state.lang,
          open: state.open,
          pending: state.pending
        })
      );
    } catch (_) {
      // Storage full or disabled: the conversation still works, it just won't survive a reload.
    }
  }

  function newClientId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "c-" + Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  // ---------------------------------------------------------------------------------------
  // DOM helpers. Text only ever goes in through textContent.

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6 6l12 12M18 6L6 18",
    down: "M6 9l6 6 6-6",
    send: "M3 11.5L21 3l-8.5 18-2-7.5z",
    bolt: "M13 2L4 14h7l-1 8 9-12h-7z"
  };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function icon(name) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "rl-icon rl-icon--" + name);
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  /**
   * Nodes whose text or attribute follows the UI language: [node, key, attribute?], where key
   * is a key of STRINGS or a function returning the text in the current language.
   */
  var bindings = [];

  function t(key) {
    return STRINGS[state.lang][key];
  }

  /** The string `key` with its {placeholders} replaced by the (untrusted) values in `values`. */
  function fmt(key, values) {
    return t(key).replace(/\{(\w+)\}/g, function (placeholder, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : placeholder;
    });
  }

  function bind(node, key, attr) {
    bindings.push([node, key, attr]);
    applyBinding([node, key, attr]);
    return node;
  }

  /** Applies again the bindings of `node`, whose text depends on more than the language. */
  function refresh(node) {
    bindings.forEach(function (binding) {
      if (binding[0] === node) {
        applyBinding(binding);
      }
    });
  }

  function applyBinding(binding) {
    var value = typeof binding[1] === "function" ? binding[1]() : t(binding[1]);
    if (binding[2]) {
      binding[0].setAttribute(binding[2], value);
    } else {
      binding[0].textContent = value;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Live handoff state, rebuilt from the handoff events on every page load (they are replayed).

  /**
   * Who holds the conversation, as the latest handoff event says: mode "bot", "queued" or
   * "agent"; `agent` is the advisor's display name (untrusted text) while mode is "agent".
   */
  var human = { mode: "bot", agent: "" };
  /** The advisor's display name while the typing indicator stands for them, else null. */
  var typingAgent = null;

  // ---------------------------------------------------------------------------------------
  // Static structure.

  var root = el("div", { id: "relais-widget", class: "rl-root", "data-testid": "relais-root" });
  root.hidden = true; // Shown once widget.css has loaded, so it never flashes unstyled.

  var launcher = el("button", {
    type: "button",
    class: "rl-launcher",
    "data-testid": "relais-launcher",
    "aria-expanded": "false",
    "aria-controls": "rl-panel"
  });
  launcher.appendChild(icon("chat"));
  launcher.appendChild(icon("down")); // Shown instead of the bubble while the panel is open.
  launcher.appendChild(bind(el("span", { class: "rl-sr" }), "launcher"));
  var badge = el("span", { class: "rl-badge", "data-testid": "relais-unread" });
  var badgeCount = el("span", { "aria-hidden": "true" });
  badge.appendChild(badgeCount);
  badge.appendChild(bind(el("span", { class: "rl-sr" }), "unread"));
  badge.hidden = true;
  launcher.appendChild(badge);

  var panel = el("section", {
    id: "rl-panel",
    class: "rl-panel",
    role: "dialog",
    "aria-labelledby": "rl-title",
    "data-testid": "relais-panel"
  });
  panel.hidden = true;

  var header = el("header", { class: "rl-header" });
  var avatar = el("span", { class: "rl-avatar" });
  avatar.appendChild(icon("bolt"));
  var titles = el("div", { class: "rl-titles" });
  var title = el("h2", { id: "rl-title", class: "rl-title" });
  var customTitle = script && script.getAttribute("data-title");
  if (customTitle) {
    title.textContent = customTitle;
  } else {
    bind(title, "title");
  }
  titles.appendChild(title);
  // Says who answers: the virtual advisor, the queue, or the human advisor by name.
  var subtitle = bind(el("p", { class: "rl-subtitle", "data-testid": "relais-subtitle" }), function () {
    if (human.mode === "agent" && human.agent) {
      return fmt("agentSubtitle", { name: human.agent });
    }
    return t(human.mode === "queued" ? "queueSubtitle" : "subtitle");
  });
  titles.appendChild(subtitle);
  var langSelect = el("select", { class: "rl-lang", "data-testid": "relais-lang" });
  bind(langSelect, "language", "aria-label");
  [["fr", "FR"], ["en", "EN"]].forEach(function (option) {
    var node = el("option", { value: option[0], lang: option[0] }, option[1]);
    langSelect.appendChild(node);
  });
  langSelect.value = state.lang;
  var closeButton = el("button", { type: "button", class: "rl-close", "data-testid": "relais-close" });
  bind(closeButton, "close", "aria-label");
  bind(closeButton, "close", "title");
  closeButton.appendChild(icon("close"));
  // Ends the chat (the effort survey follows); the close button only minimises the window.
  var endButton = bind(el("button", { type: "button", class: "rl-end", "data-testid": "relais-end" }), "end");
  bind(endButton, "endLabel", "aria-label");
  bind(endButton, "endLabel", "title");
  header.appendChild(avatar);
  header.appendChild(titles);
  header.appendChild(langSelect);
  header.appendChild(endButton);
  header.appendChild(closeButton);

  var statusBar = el("p", { class: "rl-status", role: "status", "data-testid": "relais-status" });
  statusBar.hidden = true;

  var log = el("div", {
    class: "rl-log",
    role: "log",
    "aria-live": "polite",
    tabindex: "0",
    "data-testid": "relais-messages"
  });
  bind(log, "log", "aria-label");

  var typing = el("div", { class: "rl-typing", "data-testid": "relais-typing" });
  typing.hidden = true;
  [1, 2, 3].forEach(function () {
    typing.appendChild(el("span", { class: "rl-dot", "aria-hidden": "true" }));
  });
  // Read out only for the bot; shown, with the advisor's name, while an advisor types.
  var typingLabel = bind(el("span", { class: "rl-typing-label rl-sr" }), function () {
    return typingAgent ? fmt("agentTyping", { name: typingAgent }) : t("typing");
  });
  typing.appendChild(typingLabel);

  // Announces changes made in place (the queue position), which the log does not read out.
  var announcer = el("p", { class: "rl-sr", role: "status", "aria-live": "polite", "data-testid": "relais-announcer" });

  var composer = el("form", { class: "rl-composer", novalidate: "" });
  var input = el("textarea", {
    id: "rl-input",
    class: "rl-input",
    rows: "1",
    maxlength: String(MAX_TEXT),
    autocomplete: "off",
    "data-testid": "relais-input"
  });
  bind(input, "placeholder", "placeholder");
  var inputLabel = bind(el("label", { class: "rl-sr", for: "rl-input" }), "input");
  var sendButton = el("button", { type: "submit", class: "rl-send", "data-testid": "relais-send" });
  bind(sendButton, "send", "aria-label");
  bind(sendButton, "send", "title");
  sendButton.appendChild(icon("send"));
  composer.appendChild(inputLabel);
  composer.appendChild(input);
  composer.appendChild(sendButton);

  var footnote = bind(el("p", { class: "rl-footnote" }), "footnote");

  panel.appendChild(header);
  panel.appendChild(statusBar);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(composer);
  panel.appendChild(footnote);
  panel.appendChild(announcer);
  root.appendChild(panel);
  root.appendChild(launcher);
  root.setAttribute("lang", state.lang);

  // ---------------------------------------------------------------------------------------
  // Rendering of conversation items.

  /**
   * Messages and quick-reply clicks not yet acknowledged, oldest first: {id, frame, text, view}.
   * They are sent again on every new connection: the server recognises the ids it already
   * stored, and the replay confirms those without showing them twice.
   */
  var outbox = [];
  /** Client ids of callback forms sent and not yet acknowledged. */
  var callbacks = {};
  /** Number of customer messages shown (a conversation without any can switch language). */
  var customerCount = 0;
  var unread = 0;
  var formCounter = 0;

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  /**
   * Shows one message of `role` ("customer", "bot" or "agent", whose display name `author`
   * is shown above it); returns {item, bubble, meta} (the bubble's text is exactly `text`).
   */
  function addMessage(role, text, seq, author) {
    var item = el("div", { class: "rl-msg rl-msg--" + role });
    item.appendChild(bind(el("span", { class: "rl-sr" }), role === "customer" ? "you" : role));
    if (role === "agent") {
      item.appendChild(el("span", { class: "rl-author", "data-testid": "relais-author" }, author || ""));
    }
    var bubble = el("p", { class: "rl-bubble", "data-testid": "relais-message", "data-role": role }, text);
    if (seq) {
      bubble.setAttribute("data-seq", String(seq));
    }
    item.appendChild(bubble);
    var meta = el("span", { class: "rl-meta" });
    item.appendChild(meta);
    insertItem(item, seq);
    if (role === "customer") {
      customerCount += 1;
    }
    return { item: item, bubble: bubble, meta: meta };
  }

  /**
   * Adds `item` to the log. Server events (with a seq) go before messages still awaiting
   * acknowledgement, so the screen keeps the server's order, the order a reload would show.
   */
  function insertItem(item, seq) {
    var firstPending = seq ? log.querySelector(".rl-msg--pending, .rl-msg--queued") : null;
    log.insertBefore(item, firstPending);
    scrollToEnd();
  }

  function setMeta(view, key, stateClass) {
    view.item.classList.remove("rl-msg--pending", "rl-msg--queued", "rl-msg--failed");
    if (key) {
      view.item.classList.add(stateClass);
      view.meta.textContent = t(key);
      if (view.item === log.lastElementChild) {
        scrollToEnd();
      }
    } else {
      view.meta.textContent = "";
    }
  }

  function confirmMessage(view, seq) {
    view.bubble.setAttribute("data-seq", String(seq));
    setMeta(view, null);
  }

  function addNotice(text) {
    var notice = el("p", { class: "rl-notice", "data-testid": "relais-notice" }, text);
    log.appendChild(notice);
    scrollToEnd();
    return notice;
  }

  /** Removes quick replies and forms: they only make sense under the latest bot message. */
  function clearInteractive() {
    Array.prototype.slice.call(log.querySelectorAll(".rl-quick, .rl-callback")).forEach(function (node) {
      if (node.contains(document.activeElement)) {
        input.focus();
      }
      node.remove();
    });
  }

  function renderQuickReplies(replies) {
    var group = el("div", { class: "rl-quick", role: "group" });
    bind(group, "suggestions", "aria-label");
    replies.forEach(function (reply) {
      if (!reply || typeof reply.label !== "string" || typeof reply.value !== "string") {
        return;
      }
      var button = el("button", {
        type: "button",
        class: "rl-chip",
        "data-testid": "relais-quick-reply",
        "data-value": reply.value
      }, reply.label);
      button.addEventListener("click", function () {
        sendChoice(reply);
      });
      group.appendChild(button);
    });
    if (group.childNodes.length) {
      log.appendChild(group);
      scrollToEnd();
    }
  }

  function field(form, kind, labelKey, attrs) {
    var id = "rl-cb-" + formCounter + "-" + labelKey;
    var wrap = el("div", { class: "rl-field" });
    wrap.appendChild(bind(el("label", { for: id }), labelKey));
    attrs.id = id;
    var control = el(kind, attrs);
    wrap.appendChild(control);
    form.appendChild(wrap);
    return control;
  }

  function renderCallbackForm() {
    formCounter += 1;
    var form = el("form", { class: "rl-callback", novalidate: "", "data-testid": "relais-callback-form" });
    form.appendChild(bind(el("p", { class: "rl-form-title" }), "formTitle"));
    var name = field(form, "input", "formName", { type: "text", name: "name", autocomplete: "name", maxlength: "200" });
    var contact = field(form, "input", "formContact", {
      type: "text",
      name: "contact",
      autocomplete: "email",
      maxlength: "200"
    });
    var message = field(form, "textarea", "formMessage", { name: "message", rows: "3", maxlength: String(MAX_TEXT) });
    var consentId = "rl-cb-" + formCounter + "-consent";
    var consentWrap = el("div", { class: "rl-consent" });
    var consent = el("input", { type: "checkbox", id: consentId, name: "consent" });
    consent.checked = false;
    consentWrap.appendChild(consent);
    consentWrap.appendChild(bind(el("label", { for: consentId }), "formConsent"));
    form.appendChild(consentWrap);
    var error = el("p", { class: "rl-form-error", role: "alert" });
    error.hidden = true;
    form.appendChild(error);
    var submit = bind(el("button", { type: "submit", class: "rl-submit" }), "formSubmit");
    form.appendChild(submit);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var frame = {
        type: "callback",
        name: name.value.trim(),
        contact: contact.value.trim(),
        message: message.value.trim(),
        consent: consent.checked
      };
      var problem = !frame.name ? ["formNeedName", name]
        : !isContact(frame.contact) ? ["formNeedContact", contact]
        : !frame.message ? ["formNeedMessage", message]
        : !frame.consent ? ["formNeedConsent", consent]
        : null;
      if (problem) {
        showFormError(form, t(problem[0]));
        problem[1].focus();
        return;
      }
      if (!isReady()) {
        showFormError(form, t("reconnecting"));
        return;
      }
      error.hidden = true;
      submit.disabled = true;
      submit.textContent = t("formSending");
      // Not queued for resending, and never kept in localStorage: it holds personal data.
      frame.id = newClientId();
      callbacks[frame.id] = true;
      send(frame);
      setTyping(true);
    });
    log.appendChild(form);
    scrollToEnd();
  }

  /** Re-enables a form's submit button, with an explanation when `text` is given. */
  function showFormError(form, text) {
    var error = form.querySelector(".rl-form-error");
    var submit = form.querySelector(".rl-submit");
    error.textContent = text || "";
    error.hidden = !text;
    submit.disabled = false;
    submit.textContent = t("formSubmit");
  }

  /** An email address or a phone number (digits, spaces, dots, dashes, optional +). */
  function isContact(value) {
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) || /^\+?[0-9][0-9 .\-()]{7,18}[0-9]$/.test(value);
  }

  /** Shows or hides the typing indicator: the bot's, or that of advisor `agentName` if given. */
  function setTyping(on, agentName) {
    window.clearTimeout(agentTypingTimer);
    agentTypingTimer = null;
    typingAgent = on && agentName ? agentName : null;
    typing.hidden = !on;
    typing.classList.toggle("rl-typing--agent", typingAgent !== null);
    typingLabel.classList.toggle("rl-sr", typingAgent === null);
    refresh(typingLabel);
    if (on) {
      scrollToEnd();
    }
  }

  function setStatus(key) {
    statusBar.hidden = !key;
    statusBar.textContent = key ? t(key) : "";
    root.classList.toggle("rl-root--degraded", !!key);
  }

  function setUnread(count) {
    unread = count;
    badge.hidden = count === 0;
    badgeCount.textContent = String(count);
  }

  function resetConversationView() {
    log.textContent = "";
    customerCount = 0;
    state.lastSeq = 0;
    setTyping(false);
    setOwner("bot", "");
    survey = null;
    downloads = null;
    setEnded(false);
  }

  // ---------------------------------------------------------------------------------------
  // Live handoff: the waiting status, the transitions in the transcript, the advisor typing.

  /** The waiting status while the queue holds the conversation: {item, detail, leave}. */
  var queueStatus = null;
  /** The latest place in the queue (1 is next) and estimated wait in seconds, null if unknown. */
  var queuePlace = { position: null, eta: null };
  var agentTypingTimer = null;
  var lastTypingSent = 0;

  function setOwner(mode, agent) {
    human.mode = mode;
    human.agent = agent;
    if (mode !== "queued") {
      removeQueueStatus();
    }
    if (mode !== "agent" && typingAgent !== null) {
      setTyping(false);
    }
    refresh(subtitle);
  }

  /** A non-negative whole number from the server, or null. */
  function count(value) {
    return typeof value === "number" && isFinite(value) && value >= 0 ? Math.floor(value) : null;
  }

  /** An estimated wait, rounded up to the minute: "4 min", "1 h 20 min". */
  function formatWait(seconds) {
    var minutes = Math.max(1, Math.ceil(seconds / 60));
    if (minutes < 60) {
      return minutes + "\u00a0min";
    }
    var rest = minutes % 60;
    return Math.floor(minutes / 60) + "\u00a0h" + (rest ? " " + rest + "\u00a0min" : "");
  }

  /** "Vous êtes 2e dans la file — attente estimée ~4 min", from the latest figures. */
  function queueText() {
    var parts = [];
    if (queuePlace.position) {
      parts.push(t("queuePosition")(queuePlace.position));
    }
    if (queuePlace.eta !== null) {
      parts.push(fmt("queueWait", { wait: formatWait(queuePlace.eta) }));
    }
    var text = parts.join(" — ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  /**
   * Shows the waiting status, or updates it in place: one element for the whole wait, whose
   * changes of position are announced (politely) rather than added to the log.
   */
  function showQueueStatus(position, eta, seq) {
    var moved = queueStatus !== null && position !== queuePlace.position;
    queuePlace = { position: position, eta: eta };
    if (queueStatus) {
      refresh(queueStatus.detail);
    } else {
      var item = el("div", { class: "rl-queue", "data-testid": "relais-queue-status" });
      if (seq) {
        item.setAttribute("data-seq", String(seq));
      }
      item.appendChild(el("span", { class: "rl-queue-pulse", "aria-hidden": "true" }));
      var body = el("div", { class: "rl-queue-body" });
      body.appendChild(bind(el("p", { class: "rl-queue-title" }), "queueTitle"));
      var detail = bind(el("p", { class: "rl-queue-detail", "data-testid": "relais-queue-position" }), queueText);
      body.appendChild(detail);
      var leave = bind(el("button", { type: "button", class: "rl-queue-leave", "data-testid": "relais-leave-queue" }), "leaveQueue");
      leave.addEventListener("click", leaveQueue);
      body.appendChild(leave);
      item.appendChild(body);
      insertItem(item, seq);
      queueStatus = { item: item, detail: detail, leave: leave };
    }
    if (moved && !replayUntil) {
      announcer.textContent = queueStatus.detail.textContent;
    }
  }

  function removeQueueStatus() {
    if (queueStatus) {
      if (queueStatus.item.contains(document.activeElement)) {
        input.focus();
      }
      queueStatus.item.remove();
      queueStatus = null;
    }
  }

  /** A line of the transcript about a handoff, in the UI language (`text`: key or function). */
  function addHandoffNotice(kind, seq, text) {
    var notice = el("p", { class: "rl-notice rl-notice--handoff", "data-testid": "relais-notice", "data-handoff": kind });
    if (seq) {
      notice.setAttribute("data-seq", String(seq));
    }
    bind(notice, text);
    insertItem(notice, seq);
  }

  function showAgentTyping() {
    setTyping(true, human.agent);
    agentTypingTimer = window.setTimeout(function () {
      setTyping(false);
    }, AGENT_TYPING_FOR);
  }

  function leaveQueue() {
    if (!isReady()) {
      addNotice(t("reconnecting"));
      return;
    }
    // Focus first: a disabled button would drop it on the floor.
    input.focus();
    queueStatus.leave.disabled = true;
    send({ type: "leave_queue" });
  }

  /** Tells the advisor the customer is typing, at most every TYPING_EVERY milliseconds. */
  function signalTyping() {
    var now = Date.now();
    if (human.mode === "agent" && isReady() && input.value.trim() && now - lastTypingSent >= TYPING_EVERY) {
      lastTypingSent = now;
      send({ type: "typing" });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Connection: one websocket at a time, reconnected with backoff until the page goes away.

  var ws = null;
  var ready = false; // welcome received: frames may be sent.
  var replayUntil = 0; // seq that ends the replay announced by the welcome, 0 when none.
  var sentOnSocket = {}; // client ids already sent over the current socket
  var attempts = 0;
  var reconnectTimer = null;
  var sentResume = false;

  function isReady() {
    return ready && ws !== null && ws.readyState === WebSocket.OPEN;
  }

  function connect() {
    if (ws || reconnectTimer) {
      return;
    }
    setStatus(attempts ? (navigator.onLine === false ? "offline" : "reconnecting") : "connecting");
    var socket;
    try {
      socket = new WebSocket(WS_URL);
    } catch (_) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    ready = false;
    sentOnSocket = {};
    socket.addEventListener("open", function () {
      var hello = { type: "hello", lang: state.lang };
      sentResume = !!state.resume;
      if (state.resume) {
        hello.resume = state.resume;
        hello.last_seq = state.lastSeq;
      }
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", function (event) {
      if (ws !== socket || typeof event.data !== "string") {
        return;
      }
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      if (frame && typeof frame === "object") {
        handleFrame(frame);
      }
    });
    socket.addEventListener("close", function () {
      if (ws !== socket) {
        return;
      }
      ws = null;
      ready = false;
      setTyping(false);
      outbox.forEach(function (entry) {
        setMeta(entry.view, "queued", "rl-msg--queued");
      });
      // A form in flight may be lost: let the customer send it again once reconnected (the
      // replay removes it if the server did store it).
      callbacks = {};
      Array.prototype.forEach.call(log.querySelectorAll(".rl-callback"), function (form) {
        showFormError(form, null);
      });
      if (queueStatus) {
        queueStatus.leave.disabled = false; // The leave_queue in flight may be lost.
      }
      // An end or survey answer in flight may be lost too: let the customer send it again.
      endFrames = {};
      endButton.disabled = false;
      if (survey) {
        showSurveyError(null);
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    var delay = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, attempts));
    attempts += 1;
    setStatus(navigator.onLine === false ? "offline" : "reconnecting");
    reconnectTimer = window.setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, delay / 2 + Math.random() * delay / 2);
  }

  function reconnectNow() {
    if (reconnectTimer) {
      window.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      connect();
    }
  }

  /** Closes the socket on purpose and opens a new one (e.g. after a language switch). */
  function restart() {
    if (ws) {
      var old = ws;
      ws = null;
      old.close();
    }
    if (reconnectTimer) {
      window.clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    ready = false;
    attempts = 0;
    connect();
  }

  function send(frame) {
    ws.send(JSON.stringify(frame));
  }

  /** Sends every outbound message this socket has not carried yet, oldest first. */
  function flushOutbox() {
    if (!isReady()) {
      return;
    }
    outbox.forEach(function (entry) {
      if (!sentOnSocket[entry.id]) {
        sentOnSocket[entry.id] = true;
        send(entry.frame);
        setMeta(entry.view, "sending", "rl-msg--pending");
        if (human.mode === "bot") {
          setTyping(true); // The queue and advisors only acknowledge: no reply is coming.
        }
      }
    });
  }

  function persistOutbox() {
    state.pending = outbox.map(function (entry) {
      return { id: entry.id, frame: entry.frame, text: entry.text };
    });
    saveState();
  }

  function takeOutboxEntry(id) {
    for (var i = 0; i < outbox.length; i += 1) {
      if (outbox[i].id === id) {
        var entry = outbox.splice(i, 1)[0];
        persistOutbox();
        return entry;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------
  // Server frames (docs/protocol.md). Unknown types are ignored: fields and frames may be added.

  /** True when `seq` was already seen (duplicate after a reconnection); records it otherwise. */
  function seen(seq) {
    if (typeof seq !== "number") {
      return false;
    }
    if (seq <= state.lastSeq) {
      return true;
    }
    state.lastSeq = seq;
    return false;
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "welcome":
        onWelcome(frame);
        break;
      case "customer":
        if (!seen(frame.seq)) {
          onCustomer(frame);
        }
        break;
      case "ack":
        onAck(frame);
        break;
      case "bot":
        if (!seen(frame.seq)) {
          onBot(frame);
        }
        break;
      case "callback":
        if (!seen(frame.seq)) {
          clearInteractive();
          addNotice(t("callbackSent"));
        }
        break;
      case "typing":
        if (ready) {
          setTyping(true);
        }
        break;
      case "handoff":
        if (!seen(frame.seq)) {
          onHandoff(frame);
        }
        break;
      case "agent":
        if (!seen(frame.seq)) {
          onAgent(frame);
        }
        break;
      case "queue_update":
        if (human.mode === "queued") {
          showQueueStatus(count(frame.position), count(frame.eta_s));
        }
        break;
      case "agent_typing":
        if (ready && human.mode === "agent") {
          showAgentTyping();
        }
        break;
      case "end":
        if (!seen(frame.seq)) {
          onEnd(frame.seq);
        }
        break;
      case "survey":
        if (!seen(frame.seq)) {
          onSurvey(frame);
        }
        break;
      case "survey_answer":
        if (!seen(frame.seq)) {
          surveyAnswered(frame.seq, frame.skipped === true);
        }
        break;
      case "error":
        onError(frame);
        break;
      default:
        seen(frame.seq);
    }
    if (replayUntil && state.lastSeq >= replayUntil) {
      replayDone();
    }
    saveState();
  }

  function onWelcome(frame) {
    if (typeof frame.resume === "string") {
      state.resume = frame.resume;
    }
    if (sentResume && frame.resumed === false) {
      // The server started over: what is on screen belongs to a conversation that is gone.
      resetConversationView();
      outbox.forEach(function (entry) {
        entry.view = addMessage("customer", entry.text);
      });
      addNotice(t("newConversation"));
    }
    attempts = 0;
    ready = true;
    setStatus(null);
    replayUntil = typeof frame.seq === "number" ? frame.seq : 0;
    if (state.lastSeq >= replayUntil) {
      replayDone();
    } else {
      // Screen readers wait for the end of the replay instead of reading out the history.
      log.setAttribute("aria-busy", "true");
    }
    // Sent now, not after the replay: the server processes them after it, and recognises
    // a resent client id (its ack was lost) instead of storing the message twice.
    flushOutbox();
  }

  function replayDone() {
    replayUntil = 0;
    log.removeAttribute("aria-busy");
    scrollToEnd();
  }

  function onCustomer(frame) {
    clearInteractive();
    setEnded(false);
    var entry = typeof frame.id === "string" ? takeOutboxEntry(frame.id) : null;
    if (entry) {
      // Stored before we lost the connection, acknowledgement lost: do not send it again.
      confirmMessage(entry.view, frame.seq);
    } else if (typeof frame.text === "string") {
      addMessage("customer", frame.text, frame.seq);
    }
  }

  function onAck(frame) {
    var id = typeof frame.id === "string" ? frame.id : null;
    var entry = id ? takeOutboxEntry(id) : null;
    if (entry && typeof frame.seq === "number") {
      confirmMessage(entry.view, frame.seq);
    } else if (id && callbacks[id]) {
      delete callbacks[id];
      clearInteractive();
      addNotice(t("callbackSent"));
    } else if (id && endFrames[id]) {
      var kind = endFrames[id];
      delete endFrames[id];
      // Not above the last seq shown: an end acknowledged again, already on screen.
      var fresh = typeof frame.seq === "number" && frame.seq > state.lastSeq;
      if (kind === "end") {
        endButton.disabled = false;
        if (fresh) {
          onEnd(frame.seq);
        }
      } else if (fresh) {
        surveyAnswered(frame.seq, kind === "skip");
      }
    }
    seen(frame.seq);
  }

  function onBot(frame) {
    clearInteractive();
    setTyping(false);
    addMessage("bot", typeof frame.text === "string" ? frame.text : "", frame.seq);
    if (Array.isArray(frame.quick_replies) && frame.quick_replies.length) {
      renderQuickReplies(frame.quick_replies);
    }
    if (frame.form === "callback") {
      renderCallbackForm();
    }
    if (!replayUntil && panel.hidden) {
      setUnread(unread + 1);
    }
  }

  /** A change of hands: the bot, the queue or an advisor now holds the conversation. */
  function onHandoff(frame) {
    var previous = human.mode;
    var seq = frame.seq;
    switch (frame.state) {
      case "queued":
        clearInteractive();
        setTyping(false);
        setOwner("queued", "");
        if (frame.requeued === true) {
          addHandoffNotice("requeued", seq, "queueRequeued");
        }
        showQueueStatus(count(frame.position), count(frame.eta_s), seq);
        break;
      case "assigned": {
        clearInteractive();
        setTyping(false);
        var name = typeof frame.agent === "string" && frame.agent.trim() ? frame.agent : t("advisorName");
        setOwner("agent", name);
        addHandoffNotice("assigned", seq, function () {
          return fmt("agentJoined", { name: name });
        });
        break;
      }
      case "ended":
      case "returned":
        setOwner("bot", "");
        addHandoffNotice(
          frame.state,
          seq,
          frame.state === "returned" ? "chatReturned"
            : frame.by !== "customer" ? "chatEnded"
            : previous === "queued" ? "leftQueue"
            : "chatEndedByYou"
        );
        break;
      case "unavailable": {
        setTyping(false);
        setOwner("bot", "");
        var why = typeof frame.why === "string" ? frame.why : "";
        // The callback form offer follows as a bot frame.
        addHandoffNotice("unavailable", seq, function () {
          var lines = t("unavailable");
          return Object.prototype.hasOwnProperty.call(lines, why) ? lines[why] : lines.generic;
        });
        break;
      }
      default:
        return; // A state this widget does not know yet.
    }
  }

  function onAgent(frame) {
    clearInteractive();
    setTyping(false);
    var name = typeof frame.agent === "string" && frame.agent.trim() ? frame.agent : human.agent || t("advisorName");
    addMessage("agent", typeof frame.text === "string" ? frame.text : "", frame.seq, name);
    if (!replayUntil && panel.hidden) {
      setUnread(unread + 1);
    }
  }

  function onError(frame) {
    var messages = t("errors");
    var code = typeof frame.code === "string" ? frame.code : "";
    setTyping(false);
    if (code === "resume_invalid") {
      return; // The welcome that follows says resumed:false; onWelcome explains it once.
    }
    if (code === "not_queued" && human.mode === "queued") {
      setOwner("bot", ""); // The wait ended meanwhile; its event is on its way or was missed.
    }
    var id = typeof frame.id === "string" ? frame.id : null;
    if (id && endFrames[id]) {
      onEndError(endFrames[id], code);
      delete endFrames[id];
      return;
    }
    var form = log.querySelector(".rl-callback");
    if (form && id && callbacks[id]) {
      delete callbacks[id];
      showFormError(form, messages[code] || messages.generic);
      return;
    }
    // A refused message is not stored: mark it and never resend it.
    var refused = id ? takeOutboxEntry(id) : null;
    if (refused) {
      setMeta(refused.view, "failed", "rl-msg--failed");
    }
    addNotice(messages[code] || messages.generic);
  }

  // ---------------------------------------------------------------------------------------
  // End of the chat, effort survey, transcript download. The `end`, `survey` and
  // `survey_answer` events are stored and replayed, so a reload rebuilds the same screen and a
  // survey left pending can still be answered later.

  /** Client ids of `end` and `survey` frames not yet acknowledged: id -> "end", "survey", "skip". */
  var endFrames = {};
  /** The survey waiting for an answer: {item, score, buttons, comment, error, send, skip}, or null. */
  var survey = null;
  /** The transcript download links, shown after the latest end of the chat. */
  var downloads = null;
  /** Longest survey comment the server keeps (docs/protocol.md). */
  var MAX_COMMENT = 1000;

  /** The transcript endpoint, on the Relais server the websocket goes to. */
  function transcriptUrl() {
    var url = new URL(WS_URL);
    url.protocol = url.protocol === "wss:" ? "https:" : "http:";
    url.pathname = "/api/transcript";
    url.search = "";
    url.hash = "";
    return url.href;
  }

  /** The end button is offered until the chat has ended (and again once the customer writes). */
  function setEnded(ended) {
    endButton.hidden = ended;
  }

  function endChat() {
    if (!isReady()) {
      addNotice(t("reconnecting"));
      return;
    }
    var id = newClientId();
    endFrames[id] = "end";
    endButton.disabled = true;
    send({ type: "end", id: id });
  }

  /** The chat ended (event `seq`): a notice, and the transcript download links after it. */
  function onEnd(seq) {
    clearInteractive();
    setTyping(false);
    setOwner("bot", "");
    setEnded(true);
    var notice = el("p", { class: "rl-notice rl-notice--end", "data-testid": "relais-notice", "data-end": "" });
    if (seq) {
      notice.setAttribute("data-seq", String(seq));
    }
    bind(notice, "ended");
    insertItem(notice, seq);
    showDownloads();
  }

  /** A whole number from the server within [low, high], or `fallback`. */
  function within(value, low, high, fallback) {
    return typeof value === "number" && Math.floor(value) === value && value >= low && value <= high ? value : fallback;
  }

  /** Server text (untrusted, shown with textContent) or, when missing, a string of ours. */
  function textOr(node, value, key) {
    if (typeof value === "string" && value.trim()) {
      node.textContent = value;
    } else {
      bind(node, key);
    }
    return node;
  }

  /** Shows the survey of event `frame.seq`: the question, a score from 1 to 7, a comment. */
  function onSurvey(frame) {
    removeSurvey();
    var seq = frame.seq;
    var scale = Array.isArray(frame.scale) ? frame.scale : [];
    var low = within(scale[0], 0, 10, 1);
    var high = within(scale[1], low + 1, low + 10, 7);
    var labels = Array.isArray(frame.labels) ? frame.labels : [];
    var item = el("form", { class: "rl-survey", novalidate: "", "data-testid": "relais-survey" });
    if (seq) {
      item.setAttribute("data-seq", String(seq));
    }
    var questionId = "rl-survey-q-" + (seq || 0);
    item.appendChild(textOr(el("p", { class: "rl-survey-question", id: questionId }), frame.question, "surveyQuestion"));
    var group = el("div", { class: "rl-scores", role: "group", "aria-labelledby": questionId });
    var lowLabel = textOr(el("span", {}), labels[0], "surveyLow");
    var highLabel = textOr(el("span", {}), labels[1], "surveyHigh");
    var view = { item: item, score: null, buttons: [] };
    for (var score = low; score <= high; score += 1) {
      group.appendChild(scoreButton(view, score, score === low ? lowLabel : score === high ? highLabel : null));
    }
    item.appendChild(group);
    var ends = el("div", { class: "rl-survey-ends", "aria-hidden": "true" });
    ends.appendChild(lowLabel);
    ends.appendChild(highLabel);
    item.appendChild(ends);
    var commentId = "rl-survey-c-" + (seq || 0);
    item.appendChild(bind(el("label", { class: "rl-survey-label", for: commentId }), "surveyComment"));
    view.comment = el("textarea", {
      id: commentId,
      class: "rl-survey-comment",
      rows: "2",
      maxlength: String(MAX_COMMENT),
      "data-testid": "relais-survey-comment"
    });
    item.appendChild(view.comment);
    view.error = el("p", { class: "rl-form-error", role: "alert" });
    view.error.hidden = true;
    item.appendChild(view.error);
    var actions = el("div", { class: "rl-survey-actions" });
    view.send = bind(el("button", { type: "submit", class: "rl-submit", "data-testid": "relais-survey-send" }), "surveySend");
    view.skip = bind(el("button", { type: "button", class: "rl-survey-skip", "data-testid": "relais-survey-skip" }), "surveySkip");
    actions.appendChild(view.send);
    actions.appendChild(view.skip);
    item.appendChild(actions);
    item.addEventListener("submit", function (event) {
      event.preventDefault();
      if (view.score === null) {
        showSurveyError(t("surveyNeedScore"));
        view.buttons[0].focus();
        return;
      }
      var comment = view.comment.value.trim().slice(0, MAX_COMMENT);
      var answer = { type: "survey", score: view.score };
      if (comment) {
        answer.comment = comment;
      }
      sendSurvey(answer, "survey");
    });
    view.skip.addEventListener("click", function () {
      sendSurvey({ type: "survey", skipped: true }, "skip");
    });
    insertItem(item, seq);
    survey = view;
  }

  /** One score of the scale, a toggle; the ends also read out their meaning (`meaning`). */
  function scoreButton(view, score, meaning) {
    var button = el("button", {
      type: "button",
      class: "rl-score",
      "aria-pressed": "false",
      "data-testid": "relais-survey-score",
      "data-score": String(score)
    }, String(score));
    bind(button, function () {
      var label = fmt("surveyScore", { score: String(score) });
      return meaning ? label + " — " + meaning.textContent : label;
    }, "aria-label");
    button.addEventListener("click", function () {
      view.score = score;
      view.buttons.forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      showSurveyError(null);
    });
    view.buttons.push(button);
    return button;
  }

  function sendSurvey(answer, kind) {
    if (!isReady()) {
      showSurveyError(t("reconnecting"));
      return;
    }
    answer.id = newClientId();
    endFrames[answer.id] = kind;
    survey.send.disabled = true;
    survey.skip.disabled = true;
    send(answer);
  }

  /** Shows `text` under the survey (none: hides it) and lets the customer send again. */
  function showSurveyError(text) {
    survey.error.textContent = text || "";
    survey.error.hidden = !text;
    survey.send.disabled = false;
    survey.skip.disabled = false;
  }

  function removeSurvey() {
    if (survey) {
      if (survey.item.contains(document.activeElement)) {
        input.focus();
      }
      survey.item.remove();
      survey = null;
    }
  }

  /** The survey was answered (event `seq`): thanks, or nothing more when it was skipped. */
  function surveyAnswered(seq, skipped) {
    removeSurvey();
    if (!skipped) {
      var thanks = el("p", { class: "rl-notice rl-notice--thanks", "data-testid": "relais-survey-thanks" });
      if (seq) {
        thanks.setAttribute("data-seq", String(seq));
      }
      bind(thanks, "surveyThanks");
      insertItem(thanks, seq);
    }
  }

  /** An `end` or survey answer was refused with `code`. */
  function onEndError(kind, code) {
    var messages = t("errors");
    if (kind === "end") {
      endButton.disabled = false;
    } else if (code === "survey_already_answered" || code === "survey_not_asked") {
      removeSurvey(); // Answered from another tab, or gone: nothing left to answer here.
    } else if (survey) {
      showSurveyError(messages[code] || messages.generic);
      return;
    }
    addNotice(messages[code] || messages.generic);
  }

  /** The transcript download links (text, printable page), moved after the latest end. */
  function showDownloads() {
    if (downloads) {
      downloads.remove();
    }
    downloads = el("div", { class: "rl-downloads", role: "group", "data-testid": "relais-downloads" });
    bind(downloads, "downloads", "aria-label");
    downloads.appendChild(bind(el("span", { class: "rl-downloads-title", "aria-hidden": "true" }), "downloads"));
    [["text", "downloadText"], ["html", "downloadHtml"]].forEach(function (choice) {
      var button = bind(el("button", {
        type: "button",
        class: "rl-download",
        "data-testid": "relais-download-" + choice[0]
      }), choice[1]);
      button.addEventListener("click", function () {
        download(choice[0], button);
      });
      downloads.appendChild(button);
    });
    downloads.appendChild(eraseButton());
    insertItem(downloads, null);
  }

  /**
   * "Delete my conversation": a first click asks for confirmation (the button's text
   * changes), the second erases the conversation on the server (`POST
   * /api/conversation/erase`, resume token in the Authorization header) and starts afresh.
   */
  function eraseButton() {
    var button = bind(el("button", {
      type: "button",
      class: "rl-download rl-erase",
      "data-testid": "relais-erase"
    }), "erase");
    var armed = false;
    button.addEventListener("click", function () {
      if (!armed) {
        armed = true;
        button.textContent = t("eraseConfirm");
        button.setAttribute("data-armed", "true");
        return;
      }
      eraseConversation(button);
    });
    return button;
  }

  function eraseConversation(button) {
    if (!state.resume || !window.fetch) {
      addNotice(t("eraseFailed"));
      return;
    }
    button.disabled = true;
    var url = new URL(WS_URL);
    url.protocol = url.protocol === "wss:" ? "https:" : "http:";
    url.pathname = "/api/conversation/erase";
    url.search = "";
    url.hash = "";
    window.fetch(url.href, {
      method: "POST",
      headers: { Authorization: "Bearer " + state.resume },
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 409) {
        addNotice(t("eraseActive"));
        button.disabled = false;
        return;
      }
      if (!response.ok && response.status !== 401) {
        throw new Error("HTTP " + response.status);
      }
      // Gone (or already gone, 401): forget the token and start a new conversation.
      state.resume = null;
      outbox = [];
      resetConversationView();
      saveState();
      addNotice(t("erased"));
      restart();
    }).catch(function () {
      addNotice(t("eraseFailed"));
      button.disabled = false;
    });
  }

  /**
   * Fetches the transcript and offers it as a file. The resume token goes in the
   * Authorization header, never in a URL (URLs end up in logs and in the history).
   */
  function download(format, button) {
    if (!state.resume || !window.fetch) {
      addNotice(t("downloadFailed"));
      return;
    }
    button.disabled = true;
    window.fetch(transcriptUrl(), {
      method: "POST",
      headers: { Authorization: "Bearer " + state.resume, "Content-Type": "application/json" },
      body: JSON.stringify({ format: format, utc_offset_min: -new Date().getTimezoneOffset() }),
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      var name = fileName(response.headers.get("Content-Disposition"), format);
      return response.blob().then(function (blob) {
        offerFile(blob, name);
      });
    }).catch(function () {
      addNotice(t("downloadFailed"));
    }).then(function () {
      button.disabled = false;
    });
  }

  /** The file name the server suggests, kept to safe characters, else a default. */
  function fileName(disposition, format) {
    var match = /filename="([A-Za-z0-9._-]{1,80})"/.exec(disposition || "");
    return match ? match[1] : "conversation." + (format === "html" ? "html" : "txt");
  }

  function offerFile(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = el("a", { href: url, download: name, class: "rl-sr" });
    root.appendChild(link);
    link.click();
    link.remove();
    // The download has started by then; the URL only holds the blob in memory.
    window.setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 60000);
  }

  // ---------------------------------------------------------------------------------------
  // Customer actions.

  /** Shows what the customer said and sends it now, or as soon as the connection is back. */
  function enqueue(frame, text) {
    clearInteractive();
    setEnded(false); // Writing after the end simply goes on with the conversation.
    var entry = { id: frame.id, frame: frame, text: text, view: null };
    entry.view = addMessage("customer", text);
    setMeta(entry.view, "queued", "rl-msg--queued");
    outbox.push(entry);
    persistOutbox();
    if (isReady()) {
      flushOutbox();
    } else {
      connect();
    }
  }

  function sendMessage() {
    var text = input.value.trim().slice(0, MAX_TEXT);
    if (!text) {
      return;
    }
    if (outbox.length >= MAX_PENDING) {
      addNotice(t("queueFull")); // The text stays in the input.
      return;
    }
    input.value = "";
    enqueue({ type: "message", text: text, id: newClientId() }, text);
  }

  function sendChoice(reply) {
    input.focus();
    enqueue({ type: "choice", value: reply.value, id: newClientId() }, reply.label);
  }

  /** Opens the panel; `focusInput` is false when restoring an open panel after a reload. */
  function open(focusInput) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("rl-root--open");
    state.open = true;
    saveState();
    setUnread(0);
    connect();
    scrollToEnd();
    if (focusInput !== false) {
      input.focus();
    }
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("rl-root--open");
    state.open = false;
    saveState();
    launcher.focus();
  }

  function setLang(lang) {
    state.lang = lang;
    root.setAttribute("lang", lang);
    bindings = bindings.filter(function (binding) {
      return binding[0].isConnected; // Forget quick replies, forms and messages since removed.
    });
    bindings.forEach(applyBinding);
    if (statusBar.hidden === false) {
      setStatus(ws && !ready ? "connecting" : "reconnecting");
    }
    saveState();
    if (customerCount === 0 && outbox.length === 0 && human.mode === "bot") {
      // Nothing said yet: start over so that the greeting comes in the chosen language.
      state.resume = null;
      resetConversationView();
      saveState();
      restart();
    }
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) {
      open(true);
    } else {
      close();
    }
  });
  closeButton.addEventListener("click", close);
  endButton.addEventListener("click", endChat);
  langSelect.addEventListener("change", function () {
    setLang(pickLang(langSelect.value) || "fr");
  });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    sendMessage();
  });
  input.addEventListener("input", signalTyping);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendMessage();
    }
  });
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      close();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-relais-open]") : null;
    if (target) {
      event.preventDefault();
      open(true);
    }
  });
  window.addEventListener("online", reconnectNow);
  window.addEventListener("offline", function () {
    if (!ws) {
      setStatus("offline");
    }
  });

  // ---------------------------------------------------------------------------------------
  // Start: load the stylesheet, attach, restore.

  var stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  function reveal() {
    root.hidden = false;
  }
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);
  document.head.appendChild(stylesheet);
  document.body.appendChild(root);

  state.pending.forEach(function (saved) {
    var entry = { id: saved.id, frame: saved.frame, text: saved.text, view: null };
    entry.view = addMessage("customer", entry.text);
    setMeta(entry.view, "queued", "rl-msg--queued");
    outbox.push(entry);
  });
  if (state.open) {
    open(false);
  } else if (state.resume || outbox.length) {
    connect(); // A conversation exists: restore it now so new messages can show as unread.
  }

  /** Small public API for the host page. */
  window.RelaisWidget = {
    open: function () {
      open(true);
    },
    close: close
  };
})();
