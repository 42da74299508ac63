// "What ran?": the latest runs across the tenant, newest first, with status, duration and phase progress; runs still
// going are followed through GET /api/runs/{id} until they end.
import { get, post, seg, pagedList } from './api.js';
import { h, badge, utc, relative, time, duration, act, replaceKeepingFocus, words, withoutPlaceholderActor } from './dom.js';
import { can } from './roles.js';

const ACTIVE = new Set(['scheduled', 'queued', 'running', 'waitingForIntervention', 'suspended']);
const LIVE_MS = 1500;

export function createRunsView(container, ui, [focusRunId]) {
  const body = h('div');
  const runs = pagedList('/runs', 25);
  let targets = { at: 0, byId: new Map() };
  const search = h('input', { id: 'runs-search', type: 'search', spellcheck: 'false', placeholder: 'schedule name or target', on: { input: () => render() } });
  const statusFilter = h('select', { id: 'runs-status', on: { change: () => render() } },
    [['', 'any status'], ['active', 'not ended'], ['succeeded', 'succeeded'], ['failed', 'failed'], ['cancelled', 'cancelled'], ['waitingForIntervention', 'waiting for a person']].map(([v, t]) => h('option', { value: v }, t)));
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter runs', on: { submit: (e) => e.preventDefault() } },
    h('div', { class: 'field' }, h('label', { for: 'runs-search' }, 'Search'), search),
    h('div', { class: 'field' }, h('label', { for: 'runs-status' }, 'Status'), statusFilter),
    h('p', { class: 'hint' }, 'Filters the runs loaded; "Show more runs" loads older ones.'));
  const open = new Set(focusRunId ? [focusRunId] : []);
  let items = [];
  container.replaceChildren(h('h2', { class: 'view-title' }, 'Ran'), filters, body);

  async function refresh() {
    items = await runs.load();
    // Runs name their schedule but not its target: the schedules say, read again at most every 30 s.
    if (Date.now() - targets.at > 30000) {
      const list = await get('/schedules?pageSize=500');
      targets = { at: Date.now(), byId: new Map(list.items.map((s) => [s.id, s.job?.target || ''])) };
    }
    if (focusRunId && !items.some((r) => r.id === focusRunId)) {
      // Just started: not in the list yet, but the run itself already answers.
      try { items.unshift(await get(`/runs/${seg(focusRunId)}`)); } catch (e) { if (e.status !== 404) throw e; }
    }
    render();
  }

  // Runs still going are polled one by one, so their phases move on screen without re-reading the whole list.
  let polling = false;
  const live = setInterval(async () => {
    if (polling || document.hidden) return;
    const active = items.filter((r) => ACTIVE.has(r.status));
    if (active.length === 0) return;
    polling = true;
    try {
      const fresh = await Promise.all(active.map((r) => get(`/runs/${seg(r.id)}`).catch(() => r)));
      items = items.map((r) => fresh.find((f) => f.id === r.id) || r);
      render();
    } finally {
      polling = false;
    }
  }, LIVE_MS);

  function render() {
    const more = runs.hasMore
      ? h('button', { type: 'button', class: 'more', dataset: { key: 'more' }, on: { click: () => { runs.showMore(); ui.refresh(); } } }, 'Show more runs')
      : null;
    const text = search.value.trim().toLowerCase();
    const wanted = statusFilter.value;
    const shown = items.filter((r) => (!text || r.scheduleName.toLowerCase().includes(text) || (targets.byId.get(r.scheduleId) || '').toLowerCase().includes(text))
      && (!wanted || (wanted === 'active' ? ACTIVE.has(r.status) : r.status === wanted)));
    replaceKeepingFocus(body, items.length === 0
      ? h('p', { class: 'empty' }, 'No runs yet. Runs appear here when a schedule fires or you press “Run now”.')
      : shown.length === 0 ? h('p', { class: 'empty' }, 'No loaded run matches the filter.')
        : h('div', { class: 'table-wrap' }, table(shown, open, ui, focusRunId)), more);
  }

  return { refresh, tick: () => {}, dispose: () => clearInterval(live) };
}

function table(items, open, ui, focusRunId) {
  return h('table', { class: 'grid', id: 'runs-table' },
    h('caption', {}, 'Latest runs, newest first'),
    h('thead', {}, h('tr', {}, ['Schedule', 'Status', 'Started', 'Duration', 'Phases', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((r) => row(r, open, ui, r.id === focusRunId))));
}

// A run that ended badly shows its outcome: only succeeded phases count as done, and the bar is red (failed) or grey (cancelled).
function progress(run) {
  const ended = run.status === 'failed' || run.status === 'cancelled';
  const done = ended ? run.phases.filter((p) => p.status === 'succeeded').length : run.phasesDone;
  const label = ended ? `${done} of ${run.phasesTotal} phases succeeded, ${run.status}` : `${done} of ${run.phasesTotal} phases done`;
  return [
    h('progress', { class: ended ? `outcome-${run.status}` : null, max: Math.max(run.phasesTotal, 1), value: done, 'aria-label': label }),
    h('span', { class: 'meta' }, ` ${done}/${run.phasesTotal}`, ended ? ` · ${run.status}` : '', run.currentPhase ? ` · now: ${run.currentPhase}` : ''),
  ];
}

function row(run, open, ui, focused) {
  const actions = [];
  if (ACTIVE.has(run.status) && can('CancelRun')) {
    const cancel = h('button', { type: 'button', dataset: { key: `cancel-${run.id}` } }, 'Cancel');
    cancel.addEventListener('click', () => act(cancel, () => post(`/runs/${seg(run.id)}/cancel`, { by: ui.user() }), ui, 'Cancel requested.'));
    actions.push(cancel);
  }
  if ((run.status === 'failed' || run.status === 'cancelled') && can('RetryRun')) {
    const retry = h('button', { type: 'button', dataset: { key: `retry-${run.id}` } }, 'Retry');
    retry.addEventListener('click', () => act(retry, () => post(`/runs/${seg(run.id)}/retry`, { by: ui.user() }), ui, `Retry started as a new run of ${run.scheduleName}.`));
    actions.push(retry);
  }

  const details = h('details', { open: open.has(run.id), dataset: { key: `phases-${run.id}` } },
    h('summary', {}, 'Phases'),
    h('ol', { class: 'phases' }, run.phases.map((p) => h('li', {},
      h('span', { class: 'name' }, p.name), ' ', badge(p.status),
      p.attempts > 1 ? h('span', { class: 'meta' }, ` ${p.attempts} attempts`) : null,
      p.startedUtc ? h('span', { class: 'meta' }, ` ${duration(p.startedUtc, p.endedUtc)}`) : null,
      p.error ? h('p', { class: 'error-text' }, withoutPlaceholderActor(p.error)) : null,
      p.output != null ? h('pre', { class: 'output' }, typeof p.output === 'string' ? p.output : JSON.stringify(p.output, null, 2)) : null))));
  details.addEventListener('toggle', () => (details.open ? open.add(run.id) : open.delete(run.id)));

  return h('tr', { class: focused ? 'focused' : null, dataset: { runId: run.id, status: run.status } },
    h('th', { scope: 'row', 'data-label': 'Schedule' },
      h('a', { class: 'name', href: `#schedule/${encodeURIComponent(run.scheduleId)}` }, run.scheduleName),
      h('span', { class: 'meta' }, words(run.trigger), run.occurrenceUtc ? ` · for ${utc(run.occurrenceUtc)}` : '')),
    h('td', { 'data-label': 'Status' }, badge(run.status),
      run.waitingFor ? h('p', { class: 'meta' }, `waiting for ${words(run.waitingFor.kind)}: ${run.waitingFor.prompt} `, h('a', { href: '#needs' }, 'answer')) : null,
      run.error ? h('p', { class: 'error-text' }, withoutPlaceholderActor(run.error)) : null),
    h('td', { 'data-label': 'Started' }, run.startedUtc ? [time(run.startedUtc, utc(run.startedUtc)), h('span', { class: 'meta' }, relative(run.startedUtc))] : '—'),
    h('td', { 'data-label': 'Duration' }, duration(run.startedUtc, run.endedUtc)),
    h('td', { 'data-label': 'Phases' },
      progress(run),
      details),
    h('td', { 'data-label': 'Actions' }, actions.length ? h('div', { class: 'actions' }, actions) : '—'));
}
