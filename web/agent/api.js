/**
 * HTTP calls to the agent API, same origin. The session token lives here, in memory only: it
 * goes out as a Bearer token, and the HttpOnly cookie set at login covers the rest (the
 * websocket, and a page reloaded while the session is still valid).
 */

let token = null;
let onUnauthorized = () => {};

/** Sets the session token (null to forget it) and what to do when the server answers 401. */
export function configureApi(options) {
  token = options.token;
  onUnauthorized = options.onUnauthorized || (() => {});
}

/** A request with the session's credentials; a 401 calls the `onUnauthorized` handler. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (token) {
    headers.Authorization = "Bearer " + token;
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const response = await window.fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  if (response.status === 401) {
    onUnauthorized();
  }
  return response;
}

/** The JSON body of a successful response; throws on any other status. */
export async function okJson(response) {
  if (!response.ok) {
    throw new Error("HTTP " + response.status);
  }
  return response.json();
}

/** `POST /api/agent/login`; the caller reads the status (401, 429 with Retry-After...). */
export function postLogin(name, password) {
  return window.fetch("/api/agent/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
    body: JSON.stringify({ name, password })
  });
}
