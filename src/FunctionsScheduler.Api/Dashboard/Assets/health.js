// Freshness and health: is the scheduler itself well, and is the data its jobs produce fresh?
import { get } from './api.js';
import { h, badge, utc, relative, time, timespan, replaceKeepingFocus, section } from './dom.js';

export function createHealthView(container) {
  const body = h('div');
  container.replaceChildren(h('h2', { class: 'view-title' }, 'Health'), body);

  async function refresh() {
    const [health, freshness] = await Promise.all([get('/health', { okStatuses: [503] }), get('/freshness?pageSize=100')]);
    const scanner = health.scanner;
    const facts = [
      ['Status', health.status === 'healthy' ? badge('healthy') : [badge('degraded'), ' ', health.reasons.join('; ')]],
      ['Storage', health.storageReachable ? 'reachable' : `unreachable: ${health.storageError || ''}`],
      ['Last scan', scanner.lastScanUtc ? [time(scanner.lastScanUtc, utc(scanner.lastScanUtc)), ` (${relative(scanner.lastScanUtc)})`] : 'none yet in this process'],
      ['Scanner', scanner.inProcess ? `every ${timespan(scanner.interval)}${scanner.overdue ? ', overdue' : ''}${scanner.lastScanDue !== undefined && scanner.lastScanDue !== null ? `, ${scanner.lastScanDue} due in the last scan` : ''}` : 'timer-triggered'],
      ['Runs waiting on people', count(health.pendingInterventions)],
      ['Schedules failing', count(health.openFailures)],
    ];
    const failing = health.failingSchedules.map((f) => h('li', {}, h('a', { href: `#whynot/${encodeURIComponent(f.scheduleId)}` }, f.scheduleId), ` ${f.consecutiveFailures} failed in a row`));
    const targets = freshness.items.length === 0 ? [] : h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'freshness-table' },
      h('caption', {}, 'Data targets by name'),
      h('thead', {}, h('tr', {}, ['Target', 'Fresh?', 'Last success', 'Data age', 'Success rate', 'Average run', 'New items'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, freshness.items.map(freshnessRow))));
    replaceKeepingFocus(body,
      section('health-summary', 'Scheduler', h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
      failing.length ? section('failing', 'Failing schedules', h('ul', {}, failing)) : null,
      section('freshness', 'Data freshness', targets, 'No data targets yet: a schedule reports freshness when its job names a target.'));
  }

  return { refresh };
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
