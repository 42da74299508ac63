// Building DOM from data without ever parsing it as markup: every text goes through textContent or an attribute.

/**
 * Creates an element. attrs: plain attributes (null/false are left out, true is an empty attribute), plus
 * `on: { click: fn }` for listeners and `dataset`. children: nodes, strings (as text), arrays, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** Sets attrs and appends children on an element made elsewhere (charts.js makes SVG ones), as h() does. */
export function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces a container's content and puts keyboard focus back on the element with the same data-key, so a refresh
 * every few seconds does not throw a keyboard user out of the table they are in.
 */
export function replaceKeepingFocus(container, ...nodes) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : undefined;
  container.replaceChildren(...nodes.flat().filter(Boolean));
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

/** A section with a heading, optional count and content; an empty list shows its empty-state text instead. */
export function section(id, title, content, emptyText, count) {
  const headingId = `${id}-h`;
  const empty = Array.isArray(content) && content.length === 0;
  return h('section', { class: 'card', 'aria-labelledby': headingId, id },
    h('h2', { id: headingId }, title, count === undefined ? null : h('span', { class: 'count' }, String(count))),
    empty ? h('p', { class: 'empty' }, emptyText) : content);
}

/** A status badge; the word is the information, the colour only repeats it. */
export const badge = (status) => h('span', { class: `badge s-${String(status).toLowerCase()}` }, words(status));

/** camelCase enum value → words ("waitingForIntervention" → "waiting for intervention"). */
export const words = (value) => String(value ?? '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/** The identities used when nobody is named (the dashboard's default user, local development, the API): not a person. */
const PLACEHOLDER_ACTORS = new Set(['default', 'local', 'api']);

/** Whether an actor names a person rather than a placeholder identity. */
export const isPerson = (by) => Boolean(by) && !PLACEHOLDER_ACTORS.has(String(by).trim().toLowerCase());

/** A message from the API without a placeholder actor: "declined by default." → "declined.", "Paused by local: …" → "Paused: …". */
export const withoutPlaceholderActor = (text) =>
  String(text ?? '').replace(/\b(declined|paused|resumed|cancelled|answered) by (default|local|api)\b(?![\w-])/gi, '$1');

/** An ISO instant as "yyyy-MM-dd HH:mm:ss UTC" (no reliance on the browser's time zone). */
export function utc(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A local DateTimeOffset from the API ("2026-03-08T03:00:00-04:00") as the wall-clock time it names, with its offset:
 * the schedule's time zone already decided it, so it is shown as given rather than converted by the browser.
 */
export function local(iso, zone) {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return String(iso);
  const offset = m[3] === 'Z' ? '+00:00' : m[3];
  return `${m[1]} ${m[2]} (UTC${offset.replace('-', '−')}${zone ? `, ${zone}` : ''})`;
}

/** A <time> element for an instant with the text given. */
export const time = (iso, text) => h('time', { datetime: iso || null }, text);

/** A signed span to now in words: "in 4m 10s", "3h 2m ago". */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - now;
  const text = span(Math.abs(ms));
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** Milliseconds in words, two units at most. */
export function span(ms) {
  let s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${mm}m`;
  return `${mm}m ${s}s`;
}

/** A .NET TimeSpan ("1.02:03:04.5", "00:00:01.2345") in words. */
export function timespan(value) {
  if (value === null || value === undefined) return '—';
  const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(String(value));
  if (!m) return String(value);
  const ms = ((Number(m[2] || 0) * 24 + Number(m[3])) * 3600 + Number(m[4]) * 60 + Number(m[5])) * 1000 + Number(`0.${m[6] || 0}`) * 1000;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
  return span(ms);
}

/** How long a run took (or has been going). */
export function duration(startIso, endIso, now = Date.now()) {
  if (!startIso) return '—';
  const end = endIso ? new Date(endIso).getTime() : now;
  const ms = end - new Date(startIso).getTime();
  if (ms < 1000) return `${Math.max(ms, 0)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
  return span(ms);
}

/** The API error as a message: title, detail, and field errors by name. */
export function problemText(error) {
  if (!error) return '';
  if (!('status' in error)) return String(error.message || error);
  const fields = Object.entries(error.errors || {}).map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`);
  const detail = error.detail && !fields.some((f) => error.detail.includes(f)) ? error.detail : '';
  return [error.title, detail, ...fields].filter(Boolean).join(' ');
}

/** Runs an action from a button: disables it while busy, reports success or the API's problem. */
export async function act(button, work, ui, success) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const result = await work();
    if (success) ui.flash(typeof success === 'function' ? success(result) : success);
    await ui.refresh();
    return result;
  } catch (e) {
    ui.showError(e);
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
