// "Why didn't it run?": one schedule's occurrences ledger, each occurrence with its fate and the reason.
import { get, seg } from './api.js';
import { h, badge, utc, local, time, replaceKeepingFocus, withoutPlaceholderActor } from './dom.js';

export function createWhyNotView(container, ui, [initialId, occurrence]) {
  let scheduleId = initialId || '';
  // Opened for one occurrence (from the timeline or a schedule's page): the hour either side of it, that row marked.
  const at = occurrence ? Date.parse(occurrence) : NaN;
  const around = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const zones = new Map();
  const select = h('select', { id: 'whynot-schedule', name: 'schedule' });
  const from = h('input', { id: 'whynot-from', name: 'from', placeholder: '24 hours before “to”', spellcheck: 'false', 'aria-describedby': 'whynot-range-hint' });
  const to = h('input', { id: 'whynot-to', name: 'to', placeholder: 'now', spellcheck: 'false', 'aria-describedby': 'whynot-range-hint' });
  const onlyMissed = h('input', { id: 'whynot-missed', name: 'missed', type: 'checkbox' });
  if (!Number.isNaN(at)) { from.value = around(at - 3600000); to.value = around(at + 3600000); }
  const result = h('div');
  const form = h('form', { class: 'filters', 'aria-label': 'Which occurrences', on: { submit: (e) => { e.preventDefault(); choose(select.value); } } },
    h('div', { class: 'field' }, h('label', { for: 'whynot-schedule' }, 'Schedule'), select),
    h('div', { class: 'field' }, h('label', { for: 'whynot-from' }, 'From (UTC)'), from),
    h('div', { class: 'field' }, h('label', { for: 'whynot-to' }, 'To (UTC)'), to),
    h('div', { class: 'field check' }, onlyMissed, h('label', { for: 'whynot-missed' }, 'Only the ones that did not run')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')),
    h('p', { class: 'hint', id: 'whynot-range-hint' }, 'ISO 8601 instants such as 2026-11-23T08:00:00Z; at most 31 days apart.'));
  select.addEventListener('change', () => choose(select.value));
  onlyMissed.addEventListener('change', () => ui.refresh());
  container.replaceChildren(h('h2', { class: 'view-title' }, 'Why not'), form, result);

  function choose(id) {
    scheduleId = id;
    const hash = id ? `#whynot/${encodeURIComponent(id)}` : '#whynot';
    if (location.hash !== hash) history.replaceState(null, '', hash);
    ui.refresh();
  }

  async function refresh() {
    if (document.activeElement !== select) {
      const schedules = await get('/schedules?pageSize=100');
      for (const s of schedules.items) zones.set(s.id, s.timeZone);
      const options = [h('option', { value: '' }, 'Choose a schedule…'),
        ...schedules.items.map((s) => h('option', { value: s.id, selected: s.id === scheduleId }, `${s.name} (${s.timeZone})`))];
      if (scheduleId && !schedules.items.some((s) => s.id === scheduleId)) options.push(h('option', { value: scheduleId, selected: true }, scheduleId));
      select.replaceChildren(...options);
    }
    if (!scheduleId) {
      result.replaceChildren(h('p', { class: 'empty' }, 'Choose a schedule to see each of its occurrences and what became of it.'));
      return;
    }
    const query = new URLSearchParams();
    if (from.value.trim()) query.set('from', from.value.trim());
    if (to.value.trim()) query.set('to', to.value.trim());
    const qs = query.toString();
    const ledger = await get(`/schedules/${seg(scheduleId)}/occurrences${qs ? `?${qs}` : ''}`);
    const items = ledger.items.slice().reverse().filter((o) => !onlyMissed.checked || o.fate !== 'started');
    const range = h('p', { class: 'meta' }, `From ${utc(ledger.fromUtc)} to ${utc(ledger.toUtc)}`, ledger.truncated ? ' (cut to the newest occurrences)' : '');
    replaceKeepingFocus(result, range, items.length === 0
      ? h('p', { class: 'empty' }, onlyMissed.checked ? 'Every occurrence in this range ran.' : 'No occurrences in this range.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'occurrences-table' },
        h('caption', {}, 'Occurrences, newest first'),
        h('thead', {}, h('tr', {}, ['Occurrence', 'Fate', 'Reason', 'Run', 'Known from'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, items.map((o) => h('tr', { class: Date.parse(o.occurrenceUtc) === at ? 'focused' : null, dataset: { fate: o.fate, occurrence: o.occurrenceUtc } },
          h('th', { scope: 'row', 'data-label': 'Occurrence' }, time(o.local, local(o.local, zones.get(scheduleId))), h('span', { class: 'meta' }, utc(o.occurrenceUtc))),
          h('td', { 'data-label': 'Fate' }, badge(o.fate)),
          h('td', { 'data-label': 'Reason', class: 'reason' }, o.reason ? withoutPlaceholderActor(o.reason) : '—'),
          h('td', { 'data-label': 'Run' }, o.runId ? h('a', { href: `#runs/${encodeURIComponent(o.runId)}` }, `run of ${utc(o.occurrenceUtc)}`) : '—'),
          h('td', { 'data-label': 'Known from' }, o.source === 'definition' ? 'the definition' : 'the scanner')))))));
  }

  return { refresh };
}
