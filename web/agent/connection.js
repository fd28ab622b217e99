/**
 * The agent websocket (`/agent/ws`, same origin, authenticated by the session cookie): one
 * socket at a time, reconnected with jittered exponential backoff while the session lasts.
 */

/** Reconnection backoff, in milliseconds. */
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 15000;

/**
 * options: `onFrame(frame)` for each JSON object received; `onDown()` when the socket closes;
 * `checkSession()` when the server refused the upgrade (a 401 looks like a network error to
 * a browser), a promise that settles once the session is known to stand or has been ended.
 */
export function createConnection(options) {
  let ws = null;
  let opened = false;
  let timer = null;
  let attempts = 0;
  let active = false;

  function connect() {
    if (!active || ws || timer) {
      return;
    }
    const url = new URL("/agent/ws", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(url.href);
    } catch (_) {
      retry();
      return;
    }
    ws = socket;
    opened = false;
    socket.addEventListener("open", () => {
      if (ws === socket) {
        opened = true;
      }
    });
    socket.addEventListener("message", (event) => {
      if (ws !== socket || typeof event.data !== "string") {
        return;
      }
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      if (frame && typeof frame === "object" && typeof frame.type === "string") {
        options.onFrame(frame);
      }
    });
    socket.addEventListener("close", () => {
      if (ws !== socket) {
        return;
      }
      ws = null;
      options.onDown();
      if (opened) {
        retry();
      } else {
        options.checkSession().then(retry, retry);
      }
    });
  }

  function retry() {
    if (!active || ws || timer) {
      return;
    }
    const delay = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** attempts);
    attempts += 1;
    timer = window.setTimeout(() => {
      timer = null;
      connect();
    }, delay / 2 + (Math.random() * delay) / 2);
  }

  window.addEventListener("online", () => {
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
      connect();
    }
  });

  return {
    /** Starts connecting (and reconnecting) until `stop`. */
    start() {
      active = true;
      attempts = 0;
      connect();
    },
    /** Closes the socket for good. */
    stop() {
      active = false;
      window.clearTimeout(timer);
      timer = null;
      if (ws) {
        const old = ws;
        ws = null;
        old.close();
      }
    },
    /** The server greeted us: the next loss starts the backoff from the beginning. */
    established() {
      attempts = 0;
    },
    /** True when frames can be sent. */
    isOpen() {
      return ws !== null && ws.readyState === WebSocket.OPEN;
    },
    /** Sends a frame; false (nothing sent) when the connection is down. */
    send(frame) {
      if (ws === null || ws.readyState !== WebSocket.OPEN) {
        return false;
      }
      ws.send(JSON.stringify(frame));
      return true;
    }
  };
}
