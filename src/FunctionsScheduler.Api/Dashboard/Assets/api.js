// The only way the dashboard talks to the scheduler: the public JSON API under /api.

/** An error answer from the API, carrying its problem details (RFC 7807). */
export class ApiError extends Error {
  constructor(status, problem) {
    const title = problem?.title || `The API answered ${status}.`;
    super(problem?.detail ? `${title} ${problem.detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = problem?.detail || '';
    this.errors = problem?.errors || {};
  }
}

// The API key the user signed in with. Only in this tab's sessionStorage (gone when the tab closes or on sign out): never
// in localStorage, a URL or the console. Sent as a header, so it never shows in a request line or a server log.
const KEY_ITEM = 'dashboard.apiKey';

export const credential = {
  /** The key this tab signed in with, or null (local development, or signed out). */
  get: () => sessionStorage.getItem(KEY_ITEM),
  set: (key) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

let onUnauthorized = () => {};

/**
 * Who is told when the API answers 401 to a call made with this tab's credential (or with none): the key was revoked or
 * has expired, or local development no longer applies. The key is forgotten before the listener hears of it.
 */
export function whenUnauthorized(listener) {
  onUnauthorized = listener;
}

/**
 * Calls the API and returns the parsed JSON body (null when empty). Throws ApiError for an error status unless the
 * status is listed in okStatuses (health answers 503 with a body worth showing). `key` tries a key other than the
 * stored one (signing in): its 401 is only thrown, not treated as the session ending. `ifMatch` sends the ETag a change
 * was based on, so the API answers 412 rather than overwrite someone else's change.
 */
export async function api(method, path, body, { okStatuses = [], signal, key, ifMatch } = {}) {
  const headers = { accept: 'application/json' };
  if (ifMatch) headers['if-match'] = ifMatch;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const trying = key !== undefined;
  const sent = trying ? key : credential.get();
  if (sent) headers.authorization = `Bearer ${sent}`;
  let response;
  try {
    response = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'The API could not be reached.', detail: String(e.message || e) });
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = { title: `The API answered ${response.status} with a body that is not JSON.` };
    }
  }
  if (!response.ok && !okStatuses.includes(response.status)) {
    const error = new ApiError(response.status, json);
    // Only the credential that was refused is forgotten: a sign-in in another call meanwhile keeps its new key.
    if (response.status === 401 && !trying && credential.get() === sent) {
      if (sent) credential.clear();
      onUnauthorized(error, Boolean(sent));
    }
    throw error;
  }
  return json;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body, options);
export const put = (path, body, options) => api('PUT', path, body, options);

/** Encodes one path segment (ids come from the API, but never trust them into a URL raw). */
export const seg = (value) => encodeURIComponent(value);

/**
 * A paged listing the user can extend with "Show more": each refresh reads the same number of pages again from the
 * start (newest data first), never more than the user asked to see.
 */
export function pagedList(path, pageSize) {
  let pages = 1;
  let more = false;
  return {
    async load() {
      const items = [];
      let token = null;
      for (let i = 0; i < pages; i++) {
        const separator = path.includes('?') ? '&' : '?';
        const page = await get(`${path}${separator}pageSize=${pageSize}${token ? `&continuationToken=${seg(token)}` : ''}`);
        items.push(...page.items);
        token = page.continuationToken;
        if (!token) break;
      }
      more = Boolean(token);
      return items;
    },
    get hasMore() { return more; },
    showMore() { pages++; },
  };
}
