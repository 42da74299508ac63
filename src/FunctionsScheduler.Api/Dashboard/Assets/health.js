// Freshness and health: is the scheduler itself well, and is the data its jobs produce fresh? With charts of the last
// 24 hours drawn from the latest runs (firing lag p50/p95 and runs by outcome per hour) and of the due backlog as this
// page samples it.
import { get } from './api.js';
import { h, badge, utc, relative, time, timespan, replaceKeepingFocus, section } from './dom.js';
import { lagChart, outcomeChart, backlogChart, hourly } from './healthcharts.js';

const BACKLOG_ITEM = 'dashboard.backlogSamples';
const BACKLOG_SAMPLES = 180;

export function createHealthView(container) {
  const body = h('div');
  container.replaceChildren(h('h2', { class: 'view-title' }, 'Health'), body);

  async function refresh() {
    const [health, freshness, runs, schedules] = await Promise.all([
      get('/health', { okStatuses: [503] }), get('/freshness?pageSize=100'), get('/runs?pageSize=500'), get('/schedules?pageSize=500'),
    ]);
    const names = new Map(schedules.items.map((sc) => [sc.id, sc.name]));
    const samples = sampleBacklog(health);
    const hours = hourly(runs.items, Date.now());
    const scanner = health.scanner;
    const facts = [
      ['Status', health.status === 'healthy' ? badge('healthy') : [badge('degraded'), ' ', health.reasons.join('; ')]],
      ['Storage', health.storageReachable ? 'reachable' : `unreachable: ${health.storageError || ''}`],
      ['Last scan', scanner.lastScanUtc ? [time(scanner.lastScanUtc, utc(scanner.lastScanUtc)), ` (${relative(scanner.lastScanUtc)})`] : 'none yet in this process'],
      ['Scanner', scanner.inProcess ? `every ${timespan(scanner.interval)}${scanner.overdue ? ', overdue' : ''}${scanner.lastScanDue !== undefined && scanner.lastScanDue !== null ? `, ${scanner.lastScanDue} due in the last scan` : ''}` : 'timer-triggered'],
      ['Runs waiting on people', count(health.pendingInterventions)],
      ['Schedules failing', count(health.openFailures)],
    ];
    const failing = health.failingSchedules.map((f) => h('li', {}, h('a', { href: `#schedule/${encodeURIComponent(f.scheduleId)}` }, names.get(f.scheduleId) || 'a schedule not listed'), ` ${f.consecutiveFailures} failed in a row`));
    const lag = health.firingLag;
    if (lag) facts.push(['Firing lag', lag.samples ? `p50 ${timespan(lag.p50)}, p95 ${timespan(lag.p95)}, max ${timespan(lag.max)} over the last ${lag.samples} firings` : 'no firings yet']);
    if (health.dueBacklog) facts.push(['Due backlog', `${health.dueBacklog.count}${health.dueBacklog.capped ? '+' : ''} not claimed yet${health.dueBacklog.oldestAge ? `, oldest ${timespan(health.dueBacklog.oldestAge)} late` : ''}`]);
    const targets = freshness.items.length === 0 ? [] : h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'freshness-table' },
      h('caption', {}, 'Data targets by name'),
      h('thead', {}, h('tr', {}, ['Target', 'Fresh?', 'Last success', 'Data age', 'Success rate', 'Average run', 'New items'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, freshness.items.map(freshnessRow))));
    replaceKeepingFocus(body,
      section('health-summary', 'Scheduler', h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
      h('div', { class: 'grid-2' },
        section('health-lag', 'Firing lag per hour', lagChart(hours), 'No scheduled runs in the last 24 hours.'),
        section('health-outcomes', 'Runs per hour by outcome', outcomeChart(hours), 'No runs in the last 24 hours.')),
      section('health-backlog', 'Due backlog', backlogChart(samples), 'No samples yet.'),
      runs.continuationToken ? h('p', { class: 'meta' }, 'The charts read the latest 500 runs; older runs of the last 24 hours are not counted.') : null,
      failing.length ? section('failing', 'Failing schedules', h('ul', {}, failing)) : null,
      section('freshness', 'Data freshness', targets, 'No data targets yet: a schedule reports freshness when its job names a target.'));
  }

  return { refresh };
}

/** The due backlog as this tab saw it: one sample per refresh, the last 15 minutes' worth kept for the tab's life. */
function sampleBacklog(health) {
  let samples = [];
  try { samples = JSON.parse(sessionStorage.getItem(BACKLOG_ITEM) || '[]'); } catch { samples = []; }
  if (health.dueBacklog) samples.push({ at: Date.now(), count: health.dueBacklog.count, ageMs: health.dueBacklog.oldestAge ? timespanMs(health.dueBacklog.oldestAge) : 0 });
  samples = samples.filter((x) => x.at > Date.now() - 15 * 60000).slice(-BACKLOG_SAMPLES);
  sessionStorage.setItem(BACKLOG_ITEM, JSON.stringify(samples));
  return samples;
}

function timespanMs(value) {
  const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(String(value));
  if (!m) return 0;
  return ((Number(m[2] || 0) * 24 + Number(m[3])) * 3600 + Number(m[4]) * 60 + Number(m[5])) * 1000 + Number(`0.${m[6] || 0}`) * 1000;
}

const count = (bounded) => (bounded ? `${bounded.count}${bounded.capped ? '+' : ''}` : 'unknown');

function freshnessRow(f) {
  const missing = (v) => v === null || v === undefined;
  return h('tr', { dataset: { target: f.target } },
    h('th', { scope: 'row', 'data-label': 'Target' }, f.target),
    h('td', { 'data-label': 'Fresh?' }, f.isStale ? [badge('stale'), h('p', { class: 'meta' }, f.staleReason || '')] : badge('fresh')),
    h('td', { 'data-label': 'Last success' }, f.lastSuccessUtc ? time(f.lastSuccessUtc, utc(f.lastSuccessUtc)) : 'never'),
    h('td', { 'data-label': 'Data age' }, `${timespan(f.dataAge)} (max ${timespan(f.maxDataAge)})`),
    h('td', { 'data-label': 'Success rate' }, missing(f.successRate) ? '—' : `${Math.round(f.successRate * 100)}%`),
    h('td', { 'data-label': 'Average run' }, timespan(f.averageDuration)),
    h('td', { 'data-label': 'New items' }, missing(f.averageNewItems) ? '—' : `${f.averageNewItems.toFixed(1)}${f.belowExpectedNewItems ? ` (below ${f.minNewItemsExpected})` : ''}`));
}
