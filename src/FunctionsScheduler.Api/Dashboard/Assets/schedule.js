// A schedule's page: its definition, next occurrences with their notes and DST policy, a chart of its last 50 runs,
// success rate, average duration, its target's freshness, its occurrences ledger, its revisions and the actions its
// state and the caller's role allow.
import { get, post, api, seg } from './api.js';
import { h, badge, utc, local, relative, time, timespan, duration, act, replaceKeepingFocus, section, words, withoutPlaceholderActor, isPerson } from './dom.js';
import { s, title, rovingFocus, ticks, ms, onWidthChange } from './charts.js';
import { can } from './roles.js';
import { fateHref } from './timeline.js';

const RUNS = 50;
const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'failedToStart']);

export function createScheduleView(container, ui, [id, occurrence]) {
  const heading = h('h2', { class: 'view-title' }, 'Schedule');
  const body = h('div');
  const chartBox = h('div', { class: 'chart-box' });
  let cached = { etag: null };
  let last = null;
  let confirmDelete = false;
  container.replaceChildren(heading, body);
  const stopWatching = onWidthChange(container, () => { if (last) drawChart(last.runs); });

  async function refresh() {
    if (!id) {
      body.replaceChildren(h('p', { class: 'empty' }, 'No schedule chosen: open one from the timeline or "Will run".'));
      return;
    }
    let schedule;
    try {
      schedule = await get(`/schedules/${seg(id)}`);
    } catch (e) {
      if (e.status !== 404) throw e;
      heading.textContent = 'Schedule not found';
      body.replaceChildren(h('p', { class: 'empty' }, 'This schedule no longer exists (deleted), or belongs to another tenant.'));
      return;
    }
    const target = schedule.job?.target;
    const [runs, ledger, freshness] = await Promise.all([
      get(`/runs?scheduleId=${seg(id)}&pageSize=${RUNS}`),
      get(`/schedules/${seg(id)}/occurrences`),
      target ? get('/freshness?pageSize=500') : Promise.resolve(null),
    ]);
    // The preview and revisions change only with the definition (and the preview as time passes): read once per version and minute.
    const minute = Math.floor(Date.now() / 60000);
    if (cached.etag !== schedule.etag || cached.minute !== minute) {
      const [preview, revisions] = await Promise.all([
        get(`/schedules/${seg(id)}/preview?count=10`),
        get(`/schedules/${seg(id)}/revisions?pageSize=10`),
      ]);
      cached = { etag: schedule.etag, minute, preview, revisions };
    }
    last = { schedule, runs: runs.items.slice().reverse(), ledger, freshness: freshness?.items.find((f) => f.target === target) || null };
    render();
  }

  function render() {
    const { schedule: sc, runs, ledger, freshness } = last;
    heading.textContent = sc.name;
    document.title = `${sc.name} · FunctionsScheduler`;
    drawChart(runs);
    replaceKeepingFocus(body,
      h('p', { class: 'meta', id: 'schedule-summary' }, [trigger(sc), sc.timeZone].filter(Boolean).join(' · '), ' ', state(sc)),
      sc.description ? h('p', {}, sc.description) : null,
      actions(sc),
      section('schedule-stats', 'At a glance', stats(sc, runs, freshness)),
      section('schedule-runs', `Last ${RUNS} runs`, runs.length ? [chartBox, chartLegend()] : [], 'No runs yet.'),
      h('div', { class: 'grid-2' },
        section('schedule-next', 'Next occurrences', nextOccurrences(sc, cached.preview, occurrence), 'Nothing planned.'),
        section('schedule-definition', 'Definition', definition(sc))),
      section('schedule-ledger', 'Occurrences in the last 24 hours', ledgerTable(sc, ledger), 'No occurrences in the last 24 hours.'),
      section('schedule-revisions', 'Revisions', revisions(cached.revisions), 'No revisions recorded.'));
  }

  function actions(sc) {
    const buttons = [];
    const button = (label, key, work, success, cls) => {
      const b = h('button', { type: 'button', class: cls || null, dataset: { key } }, label);
      b.addEventListener('click', () => act(b, work, ui, success));
      buttons.push(b);
    };
    if (can('RunScheduleNow')) button('Run now', 'run', () => post(`/schedules/${seg(sc.id)}/run`), `Run of ${sc.name} started: it shows in the chart below and under "Ran".`);
    if (sc.paused && can('ResumeSchedule')) button('Resume', 'resume', () => post(`/schedules/${seg(sc.id)}/resume`, { by: ui.user() }), `Resumed ${sc.name}.`);
    if (!sc.paused && can('PauseSchedule')) button('Pause', 'pause', () => post(`/schedules/${seg(sc.id)}/pause`, { reason: 'Paused from the dashboard', by: ui.user() }), `Paused ${sc.name}.`);
    if (sc.enabled && can('DisableSchedule')) button('Disable', 'disable', () => post(`/schedules/${seg(sc.id)}/disable`), `Disabled ${sc.name}.`);
    if (!sc.enabled && can('EnableSchedule')) button('Enable', 'enable', () => post(`/schedules/${seg(sc.id)}/enable`), `Enabled ${sc.name}.`);
    if (can('UpdateSchedule')) buttons.push(h('a', { class: 'button-like', href: `#edit/${encodeURIComponent(sc.id)}`, dataset: { key: 'edit' } }, 'Edit'));
    if (can('CloneSchedule')) {
      const clone = h('button', { type: 'button', dataset: { key: 'clone' } }, 'Clone');
      clone.addEventListener('click', async () => {
        const copy = await act(clone, () => post(`/schedules/${seg(sc.id)}/clone`, {}), { ...ui, refresh: () => Promise.resolve() });
        if (copy) ui.navigate(`#schedule/${encodeURIComponent(copy.id)}`, `Cloned as ${copy.name}.`);
      });
      buttons.push(clone);
    }
    if (can('DeleteSchedule')) {
      // Deleting asks twice: the first press arms it, the second (within the same view) deletes.
      const del = h('button', { type: 'button', class: confirmDelete ? 'danger' : null, dataset: { key: 'delete' } }, confirmDelete ? `Really delete ${sc.name}?` : 'Delete');
      del.addEventListener('click', async () => {
        if (!confirmDelete) { confirmDelete = true; render(); return; }
        confirmDelete = false;
        const done = await act(del, () => api('DELETE', `/schedules/${seg(sc.id)}`, undefined, { ifMatch: sc.etag }).then(() => true), { ...ui, refresh: () => Promise.resolve() });
        if (done) ui.navigate('#upcoming', `Deleted ${sc.name}.`);
      });
      buttons.push(del);
    }
    buttons.push(h('a', { class: 'button-like', href: `#whynot/${encodeURIComponent(sc.id)}`, dataset: { key: 'whynot' } }, 'Why not'));
    return h('div', { class: 'actions page-actions', role: 'group', 'aria-label': 'Actions' }, buttons);
  }

  function drawChart(runs) {
    if (!runs.length) { chartBox.replaceChildren(); return; }
    const width = Math.max(Math.min(container.clientWidth - 40, 1100), 260);
    const height = 160;
    const left = 52;
    const bottom = 18;
    const now = Date.now();
    const dur = (r) => (r.startedUtc ? Math.max((r.endedUtc ? Date.parse(r.endedUtc) : now) - Date.parse(r.startedUtc), 0) : 0);
    const max = Math.max(...runs.map(dur), 1);
    const steps = ticks(max, 3);
    const top = steps[steps.length - 1];
    const y = (v) => height - bottom - (v / top) * (height - bottom - 8);
    const slot = (width - left) / RUNS;
    const bar = Math.max(Math.min(slot * 0.7, 18), 2);
    const items = runs.map((r, i) => {
      const d = dur(r);
      const x = left + i * slot + (slot - bar) / 2;
      const label = `Run ${i + 1} of ${runs.length}: ${words(r.status)}, ${r.startedUtc ? duration(r.startedUtc, r.endedUtc) : 'not started'}, ${r.startedUtc ? `started ${utc(r.startedUtc)}` : `for ${utc(r.occurrenceUtc)}`}, ${words(r.trigger)}`;
      return s('a', { href: `#runs/${encodeURIComponent(r.id)}`, class: `chart-item s-${r.status.toLowerCase()}`, 'aria-label': label, dataset: { key: `bar-${r.id}`, runId: r.id, status: r.status } },
        title(label),
        s('rect', { class: 'mark', x, y: Math.min(y(d), height - bottom - 3), width: bar, height: Math.max(height - bottom - y(d), 3), rx: 1 }));
    });
    const svg = s('svg', { class: 'chart', id: 'runs-chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': `Duration and outcome of the last ${runs.length} runs, oldest first. Arrow keys move between runs.` },
      steps.map((v) => [
        s('line', { class: 'grid-line', x1: left, x2: width, y1: y(v), y2: y(v) }),
        s('text', { class: 'axis-label', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, ms(v)),
      ]),
      s('line', { class: 'axis-line', x1: left, x2: width, y1: height - bottom, y2: height - bottom }),
      s('text', { class: 'axis-label', x: left, y: height - 4 }, 'oldest'),
      s('text', { class: 'axis-label', x: width, y: height - 4, 'text-anchor': 'end' }, 'newest'),
      items);
    rovingFocus(svg, items, items.length - 1);
    replaceKeepingFocus(chartBox, svg);
  }

  return { refresh, dispose: stopWatching };
}

function chartLegend() {
  return h('ul', { class: 'chart-legend', 'aria-hidden': 'true' },
    ['succeeded', 'failed', 'cancelled', 'running'].map((st) => h('li', {}, h('span', { class: `swatch s-${st}` }), st)),
    h('li', {}, 'bar height: duration'));
}

export function trigger(sc) {
  const d = sc.definition || {};
  if (sc.cron) return `${sc.cronDescription || sc.cron} (${sc.cron})`;
  if (d.interval) return `every ${timespan(d.interval)}`;
  if (d.at) return `once at ${utc(d.at)}`;
  if (d.adaptive) return 'adaptive';
  return '';
}

function state(sc) {
  const parts = [];
  if (!sc.enabled) parts.push(badge('disabled'));
  if (sc.paused) parts.push(badge('paused'), ` ${sc.paused.reason}${isPerson(sc.paused.by) ? ` (by ${sc.paused.by})` : ''}`);
  if (sc.enabled && !sc.paused) parts.push(badge('active'));
  return parts;
}

function stats(sc, runs, freshness) {
  const ended = runs.filter((r) => ENDED.has(r.status));
  const succeeded = ended.filter((r) => r.status === 'succeeded').length;
  const durations = ended.filter((r) => r.startedUtc && r.endedUtc).map((r) => Date.parse(r.endedUtc) - Date.parse(r.startedUtc));
  const average = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  const stat = (label, value, key) => h('li', { dataset: { stat: key } }, h('span', { class: 'meta' }, label), h('span', { class: 'value' }, value));
  const next = sc.nextRunUtc
    ? [time(sc.nextRunLocal, local(sc.nextRunLocal, sc.timeZone)), h('span', { class: 'meta' }, ` ${relative(sc.nextRunUtc)}`)]
    : sc.nextRunAfterResumeUtc ? `after resume: ${utc(sc.nextRunAfterResumeUtc)}` : 'none';
  const fresh = !sc.job?.target ? 'no target'
    : !freshness ? `${sc.job.target}: no data yet`
      : [badge(freshness.isStale ? 'stale' : 'fresh'), ` ${sc.job.target}, data ${timespan(freshness.dataAge)} old (max ${timespan(freshness.maxDataAge)})`];
  return [
    h('ul', { class: 'stats' },
      stat('Success rate', ended.length ? `${Math.round((succeeded / ended.length) * 100)}%` : '—', 'success-rate'),
      stat('Average duration', average === null ? '—' : ms(average), 'average-duration'),
      stat('Ended runs', String(ended.length), 'ended-runs'),
      stat('Failed in a row', String(sc.consecutiveFailures), 'failures')),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Next run'), h('dd', { id: 'schedule-next-run' }, next),
      h('dt', {}, 'Last run'), h('dd', {}, sc.lastRun ? [badge(sc.lastRun.status), ' ', h('a', { href: `#runs/${encodeURIComponent(sc.lastRun.runId)}` }, utc(sc.lastRun.startedUtc || sc.lastRun.endedUtc))] : 'none yet'),
      h('dt', {}, 'Freshness'), h('dd', { id: 'schedule-freshness' }, fresh)),
    h('p', { class: 'meta' }, `Success rate and average over the ${ended.length} ended run${ended.length === 1 ? '' : 's'} among the last ${RUNS}.`),
  ];
}

function nextOccurrences(sc, preview, highlighted) {
  if (!preview || preview.items.length === 0) return [];
  const policy = preview.dst ? `DST policy: gap ${preview.dst.gap}, overlap ${preview.dst.overlap}` : null;
  return [
    policy ? h('p', { class: 'meta', id: 'schedule-dst-policy' }, policy) : null,
    h('ol', { class: 'preview', id: 'schedule-preview' }, preview.items.map((item) => h('li', {
      class: [item.runs ? null : 'skipped', item.nominalUtc === highlighted ? 'focused' : null].filter(Boolean).join(' ') || null,
      dataset: { nominal: item.nominalUtc },
    },
    time(item.local, local(item.local, sc.timeZone)), h('span', { class: 'meta' }, ` ${utc(item.utc)}`),
    item.runs ? null : [' ', h('a', { href: fateHref(sc.id, item.nominalUtc), class: 'note' }, `will not run: ${item.skippedBecause || 'skipped'}`)],
    item.note ? h('span', { class: 'note' }, ` ${item.note}`) : null,
    item.jitter ? h('span', { class: 'note' }, ` jitter ${timespan(item.jitter)}`) : null))),
  ];
}

function definition(sc) {
  const d = sc.definition || {};
  const rows = [
    ['Trigger', trigger(sc) || '—'],
    ['Time zone', sc.timeZone],
    ['DST', sc.dst ? `gap ${sc.dst.gap}, overlap ${sc.dst.overlap}` : '—'],
    ['Jitter', d.jitter ? `up to ${timespan(d.jitter)}` : 'none'],
    ['Active hours', d.activeHours?.length ? d.activeHours.map((w) => `${[].concat(w.days || 'every day').join(', ')} ${w.from}–${w.to}`).join('; ') : 'any time'],
    ['Blackouts', d.blackouts?.length ? d.blackouts.map((b) => b.reason || (b.from ? `${utc(b.from)} – ${utc(b.to)}` : b.fromDate ? `${b.fromDate} – ${b.toDate}` : `every ${b.every}`)).join('; ') : 'none'],
    ['Job', `${sc.job?.type || '—'}: ${(sc.job?.phases || []).map((p) => p.name).join(' → ') || 'no phases'}`],
    ['Target', sc.job?.target || '—'],
  ];
  if (d.misfire) rows.push(['Misfire', typeof d.misfire === 'string' ? d.misfire : JSON.stringify(d.misfire)]);
  if (d.overlap) rows.push(['Overlap', typeof d.overlap === 'string' ? d.overlap : JSON.stringify(d.overlap)]);
  return [
    h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('details', { dataset: { key: 'definition-json' } }, h('summary', {}, 'The whole definition (JSON)'), h('pre', { class: 'output' }, JSON.stringify(sc.definition, null, 2))),
  ];
}

function ledgerTable(sc, ledger) {
  const items = ledger.items.slice().reverse();
  if (items.length === 0) return [];
  return [
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'schedule-ledger-table' },
      h('caption', {}, 'Occurrences, newest first'),
      h('thead', {}, h('tr', {}, ['Occurrence', 'Fate', 'Reason', 'Run'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.slice(0, 25).map((o) => h('tr', { dataset: { fate: o.fate } },
        h('th', { scope: 'row', 'data-label': 'Occurrence' }, time(o.local, local(o.local)), h('span', { class: 'meta' }, utc(o.occurrenceUtc))),
        h('td', { 'data-label': 'Fate' }, badge(o.fate)),
        h('td', { 'data-label': 'Reason', class: 'reason' }, o.reason ? withoutPlaceholderActor(o.reason) : '—'),
        h('td', { 'data-label': 'Run' }, o.runId ? h('a', { href: `#runs/${encodeURIComponent(o.runId)}` }, `run of ${utc(o.occurrenceUtc)}`) : '—')))))),
    h('p', {}, h('a', { href: `#whynot/${encodeURIComponent(sc.id)}` }, items.length > 25 ? `All ${items.length} in "Why not"` : 'Open in "Why not"')),
  ];
}

function revisions(page) {
  if (!page || page.items.length === 0) return [];
  return h('ul', { class: 'revisions', id: 'schedule-revisions-list' }, page.items.map((r) => h('li', {},
    h('span', { class: 'name' }, `Revision ${r.revision}`), ` from ${utc(r.effectiveFromUtc)}: `,
    r.definition.cron ? `cron ${r.definition.cron}` : r.definition.interval ? `every ${timespan(r.definition.interval)}` : 'other trigger',
    ` in ${r.definition.timeZone}`, r.definition.enabled === false ? ', disabled' : '',
    h('details', { dataset: { key: `rev-${r.revision}` } }, h('summary', {}, 'Definition'), h('pre', { class: 'output' }, JSON.stringify(r.definition, null, 2))))));
}
