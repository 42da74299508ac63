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

// On Azure the API routes need a function key; the page passes on the one it was opened with (?code=…).
const functionKey = new URLSearchParams(location.search).get('code');

/**
 * Calls the API and returns the parsed JSON body (null when empty). Throws ApiError for an error status unless the
 * status is listed in okStatuses (health answers 503 with a body worth showing).
 */
export async function api(method, path, body, { okStatuses = [], signal } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (functionKey) headers['x-functions-key'] = functionKey;
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
  if (!response.ok && !okStatuses.includes(response.status)) throw new ApiError(response.status, json);
  return json;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body, options);

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
