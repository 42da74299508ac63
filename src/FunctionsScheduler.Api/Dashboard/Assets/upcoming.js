// "What will run?": every schedule's next run in UTC and in its own time zone, the next few with the planner's notes
// (DST, jitter, active hours, blackouts), its state, and pause / resume / run-now.
import { get, post, seg, pagedList } from './api.js';
import { h, badge, utc, local, relative, time, act, replaceKeepingFocus, timespan, isPerson } from './dom.js';
import { can } from './roles.js';

/** Previews are fetched for the soonest schedules only, and again only when a schedule's next run or definition changes. */
const PREVIEWED = 10;
const PREVIEW_COUNT = 3;

export function createUpcomingView(container, ui) {
  const body = h('div');
  const schedules = pagedList('/schedules', 100);
  const previews = new Map();
  const create = can('CreateSchedule') ? h('p', {}, h('a', { class: 'button-like', href: '#new', id: 'new-schedule' }, 'New schedule')) : null;
  let items = [];
  const search = h('input', { id: 'upcoming-search', type: 'search', spellcheck: 'false', placeholder: 'name or target', on: { input: () => render() } });
  const stateFilter = h('select', { id: 'upcoming-state', on: { change: () => render() } },
    [['', 'any state'], ['active', 'active'], ['paused', 'paused'], ['disabled', 'disabled'], ['failing', 'failing']].map(([v, t]) => h('option', { value: v }, t)));
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter schedules', on: { submit: (e) => e.preventDefault() } },
    h('div', { class: 'field' }, h('label', { for: 'upcoming-search' }, 'Search'), search),
    h('div', { class: 'field' }, h('label', { for: 'upcoming-state' }, 'State'), stateFilter));
  container.replaceChildren(h('h2', { class: 'view-title' }, 'Will run'), create, filters, body);

  async function refresh() {
    items = (await schedules.load()).sort(byNextRun);
    await Promise.all(items.filter((s) => s.nextRunUtc).slice(0, PREVIEWED).map(async (s) => {
      const key = `${s.nextRunUtc}|${s.etag}`;
      if (previews.get(s.id)?.key === key) return;
      try {
        previews.set(s.id, { key, preview: await get(`/schedules/${seg(s.id)}/preview?count=${PREVIEW_COUNT}`) });
      } catch (e) {
        if (e.status !== 404) throw e;
      }
    }));
    for (const id of previews.keys()) if (!items.some((s) => s.id === id)) previews.delete(id);
    render();
  }

  function render() {
    const text = search.value.trim().toLowerCase();
    const wanted = stateFilter.value;
    const shown = items.filter((s) => (!text || s.name.toLowerCase().includes(text) || String(s.job?.target || '').toLowerCase().includes(text))
      && (!wanted || stateOf(s).includes(wanted)));

    // Schedules come in id order, so with more pages the soonest may not be loaded yet: say so next to the button.
    const more = schedules.hasMore
      ? h('p', { class: 'meta' }, `Sorted among the ${items.length} schedules loaded; more exist. `,
        h('button', { type: 'button', class: 'more', dataset: { key: 'more' }, on: { click: () => { schedules.showMore(); ui.refresh(); } } }, 'Show more schedules'))
      : null;
    replaceKeepingFocus(body, items.length === 0
      ? h('p', { class: 'empty' }, 'No schedules yet. Create one with “New schedule” or POST /api/schedules (see the README).')
      : shown.length === 0 ? h('p', { class: 'empty' }, 'No schedule matches the search.')
        : h('div', { class: 'table-wrap' }, table(shown, previews, ui)), more);
  }

  return { refresh };
}

/** The states a schedule is in, for the filter: active, paused, disabled, failing. */
function stateOf(s) {
  const states = [];
  if (!s.enabled) states.push('disabled');
  if (s.paused) states.push('paused');
  if (s.enabled && !s.paused) states.push('active');
  if (s.consecutiveFailures > 0) states.push('failing');
  return states;
}

function byNextRun(a, b) {
  if (!a.nextRunUtc) return b.nextRunUtc ? 1 : a.name.localeCompare(b.name);
  if (!b.nextRunUtc) return -1;
  return a.nextRunUtc.localeCompare(b.nextRunUtc);
}

function table(items, previews, ui) {
  return h('table', { class: 'grid', id: 'upcoming-table' },
    h('caption', {}, 'Schedules by next run'),
    h('thead', {}, h('tr', {}, ['Schedule', 'Next run', 'State', 'Coming up', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((s) => row(s, previews.get(s.id)?.preview, ui))));
}

function row(s, preview, ui) {
  let runNow = null;
  if (can('RunScheduleNow')) {
    runNow = h('button', { type: 'button', dataset: { key: `run-${s.id}` } }, 'Run now');
    runNow.addEventListener('click', () => act(runNow, () => post(`/schedules/${seg(s.id)}/run`), ui, `Run of ${s.name} started: see “Ran”.`));
  }
  let toggle = null;
  if (can(s.paused ? 'ResumeSchedule' : 'PauseSchedule')) {
    toggle = s.paused
      ? h('button', { type: 'button', dataset: { key: `resume-${s.id}` } }, 'Resume')
      : h('button', { type: 'button', dataset: { key: `pause-${s.id}` } }, 'Pause');
    toggle.addEventListener('click', () => act(toggle, () => s.paused
      ? post(`/schedules/${seg(s.id)}/resume`, { by: ui.user() })
      : post(`/schedules/${seg(s.id)}/pause`, { reason: 'Paused from the dashboard', by: ui.user() }), ui, `${s.paused ? 'Resumed' : 'Paused'} ${s.name}.`));
  }

  const trigger = s.cronDescription || s.cron || s.definition?.interval && `every ${timespan(s.definition.interval)}` || s.definition?.at && `once at ${s.definition.at}` || '';
  return h('tr', { dataset: { scheduleId: s.id } },
    h('th', { scope: 'row', 'data-label': 'Schedule' },
      h('a', { class: 'name', href: `#schedule/${encodeURIComponent(s.id)}`, dataset: { key: `name-${s.id}` } }, s.name),
      h('span', { class: 'meta' }, trigger.includes(s.timeZone) ? trigger : `${trigger} · ${s.timeZone}`)),
    h('td', { 'data-label': 'Next run' }, s.nextRunUtc
      ? [h('span', { class: 'local' }, time(s.nextRunLocal, local(s.nextRunLocal, s.timeZone))),
        h('span', { class: 'meta' }, utc(s.nextRunUtc), ' · ', relative(s.nextRunUtc))]
      : h('span', { class: 'meta' }, s.enabled ? 'nothing planned (ended)' : 'none while disabled')),
    h('td', { 'data-label': 'State' }, state(s)),
    h('td', { 'data-label': 'Coming up' }, preview ? comingUp(preview) : h('span', { class: 'meta' }, s.nextRunUtc ? 'see the next run' : '—')),
    h('td', { 'data-label': 'Actions' }, h('div', { class: 'actions' }, runNow, toggle,
      h('a', { class: 'button-like', href: `#whynot/${encodeURIComponent(s.id)}`, dataset: { key: `why-${s.id}` } }, 'Why not'))));
}

function state(s) {
  const parts = [];
  if (!s.enabled) parts.push(badge('disabled'));
  if (s.paused) {
    // A placeholder identity ("default", "local", "api") is not a person: "Paused from the dashboard", not "(by default)".
    const extra = [isPerson(s.paused.by) ? `by ${s.paused.by}` : null, s.paused.untilUtc ? `until ${utc(s.paused.untilUtc)}` : null].filter(Boolean);
    parts.push(badge('paused'), h('span', { class: 'meta' }, `${s.paused.reason}${extra.length ? ` (${extra.join(', ')})` : ''}`));
  }
  if (s.consecutiveFailures > 0) parts.push(h('span', { class: 'badge s-failed' }, `${s.consecutiveFailures} failed in a row`));
  if (s.lastRun) parts.push(h('span', { class: 'meta' }, 'last run ', badge(s.lastRun.status)));
  return parts.length ? parts : badge('active');
}

function comingUp(preview) {
  return h('ol', { class: 'preview' }, preview.items.map((item) => h('li', { class: item.runs ? null : 'skipped' },
    time(item.local, local(item.local)),
    item.runs ? null : h('span', { class: 'note' }, ` skipped: ${item.skippedBecause || 'not run'}`),
    item.note ? h('span', { class: 'note' }, ` ${item.note}`) : null,
    item.jitter ? h('span', { class: 'note' }, ` jitter ${timespan(item.jitter)}`) : null)));
}
