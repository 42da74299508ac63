// The timeline at the top of the landing view: every schedule as a strip over the next 24 hours (or 7 days) — planned
// occurrences, runs in progress, past runs by outcome, skipped occurrences, active-hour windows and blackouts shaded,
// DST changes marked and a line at now. Each mark is a link: a run to its run, an occurrence to its fate.
import { get, seg } from './api.js';
import { h, utc, local, words, replaceKeepingFocus } from './dom.js';
import { s, title, rovingFocus, onWidthChange } from './charts.js';

const HOUR = 3600000;
const ZOOMS = {
  day: { label: '24 hours', span: 24 * HOUR, past: 3 * HOUR, tick: 3 * HOUR, narrowTick: 6 * HOUR },
  week: { label: '7 days', span: 7 * 24 * HOUR, past: 12 * HOUR, tick: 24 * HOUR, narrowTick: 48 * HOUR },
};
const ACTIVE = new Set(['scheduled', 'queued', 'running', 'waitingForIntervention', 'suspended']);
/** Strips drawn before "Show all": the soonest schedules first. */
const STRIPS = 12;
const PREVIEW_COUNT = 500;
const PREVIEW_MS = 60000;
const LEDGER_MS = 30000;
const STRIP_HEIGHT = 34;
/** Occurrences are drawn in the upper lane and runs in the lower one, so a run never hides the occurrence it ran for. */
const OCC_Y = 10;
const RUN_Y = 20;
const RUN_H = 10;

/** An ISO instant with whole seconds, as the API's query parameters take it. */
const iso = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** The link for an occurrence's fate: the "why not" ledger around it. */
export const fateHref = (scheduleId, occurrenceIso) => `#whynot/${encodeURIComponent(scheduleId)}/${encodeURIComponent(occurrenceIso)}`;

export function createTimeline(container, ui) {
  const state = { zoom: sessionStorage.getItem('dashboard.timelineZoom') === 'week' ? 'week' : 'day', from: null, showAll: false, filter: '' };
  const cache = new Map(); // schedule id → { preview, calendar, ledger, keys }
  let schedules = [];
  let runs = [];
  let loadedAt = Date.now();
  let filterTimer = null;

  const zoomButtons = Object.entries(ZOOMS).map(([key, z]) => h('button', {
    type: 'button', dataset: { zoom: key }, 'aria-pressed': String(state.zoom === key),
    on: { click: () => { state.zoom = key; sessionStorage.setItem('dashboard.timelineZoom', key); zoomButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.zoom === key))); ui.refresh(); } },
  }, z.label));
  const fromInput = h('input', { id: 'timeline-from', type: 'date', 'aria-describedby': 'timeline-from-hint', on: { change: () => { state.from = fromInput.value ? Date.parse(`${fromInput.value}T00:00:00Z`) : null; ui.refresh(); } } });
  const nowButton = h('button', { type: 'button', class: 'link', on: { click: () => { fromInput.value = ''; state.from = null; ui.refresh(); } } }, 'Back to now');
  const filterInput = h('input', { id: 'timeline-filter', type: 'search', placeholder: 'name or target', spellcheck: 'false', on: { input: () => { state.filter = filterInput.value.trim().toLowerCase(); render(); clearTimeout(filterTimer); filterTimer = setTimeout(() => ui.refresh(), 300); } } });
  const heading = h('span', { id: 'timeline-range' });
  const body = h('div', { class: 'tl-body' });
  const section = h('section', { class: 'card timeline', id: 'timeline', 'aria-labelledby': 'timeline-h' },
    h('h2', { id: 'timeline-h' }, 'Timeline ', h('span', { class: 'meta' }, heading)),
    h('div', { class: 'filters tl-controls' },
      h('div', { class: 'field' }, h('span', { class: 'label', id: 'timeline-zoom-label' }, 'Show'), h('div', { class: 'segmented', role: 'group', 'aria-labelledby': 'timeline-zoom-label' }, zoomButtons)),
      h('div', { class: 'field' }, h('label', { for: 'timeline-from' }, 'From day (UTC)'), fromInput),
      h('div', { class: 'field' }, h('label', { for: 'timeline-filter' }, 'Filter schedules'), filterInput),
      h('p', { class: 'hint', id: 'timeline-from-hint' }, 'Empty: from just before now. Pick a day to look ahead, e.g. at next spring\'s DST change. ', nowButton)),
    legend(),
    body);
  container.replaceChildren(section);
  const stopWatching = onWidthChange(body, () => render());

  function range() {
    const z = ZOOMS[state.zoom];
    const from = state.from ?? Math.floor((Date.now() - z.past) / 60000) * 60000;
    return { from, to: from + z.span + (state.from ? 0 : z.past), zoom: z };
  }

  async function refresh() {
    const r = range();
    const [list, recent] = await Promise.all([get('/schedules?pageSize=500'), get('/runs?pageSize=500')]);
    schedules = list.items;
    runs = recent.items;
    loadedAt = Date.now();
    const shown = visible(r);
    await Promise.all(shown.slice(0, state.showAll ? shown.length : STRIPS).map((sc) => load(sc, r)));
    for (const id of cache.keys()) if (!schedules.some((sc) => sc.id === id)) cache.delete(id);
    render();
  }

  /** Schedules with something in the range (a planned occurrence or a run), soonest first; the others are counted. */
  function visible(r) {
    const byRun = new Map();
    for (const run of runs) {
      const start = Date.parse(run.startedUtc || run.occurrenceUtc || '');
      const end = run.endedUtc ? Date.parse(run.endedUtc) : Date.now();
      if (ACTIVE.has(run.status) || (start < r.to && end >= r.from)) byRun.set(run.scheduleId, true);
    }
    const soonest = (sc) => (sc.nextRunUtc ? Date.parse(sc.nextRunUtc) : Infinity);
    return schedules
      .filter((sc) => byRun.has(sc.id) || (sc.enabled && (state.from !== null || (sc.nextRunUtc && soonest(sc) < r.to))))
      .filter((sc) => !state.filter || sc.name.toLowerCase().includes(state.filter) || String(sc.job?.target || '').toLowerCase().includes(state.filter))
      .sort((a, b) => soonest(a) - soonest(b) || a.name.localeCompare(b.name));
  }

  async function load(sc, r) {
    const entry = cache.get(sc.id) || {};
    const now = Date.now();
    try {
      const previewFrom = Math.max(r.from, now);
      const previewKey = `${sc.etag}|${r.to}|${Math.floor(previewFrom / PREVIEW_MS)}|${sc.nextRunUtc}`;
      if (previewFrom < r.to && entry.previewKey !== previewKey) {
        entry.preview = await get(`/schedules/${seg(sc.id)}/preview?count=${PREVIEW_COUNT}&from=${iso(previewFrom)}`);
        entry.previewKey = previewKey;
      }
      if (previewFrom >= r.to) entry.preview = null;
      const calendarKey = `${sc.etag}|${r.from}|${r.to}`;
      if (entry.calendarKey !== calendarKey) {
        entry.calendar = await get(`/schedules/${seg(sc.id)}/calendar?from=${iso(r.from)}&to=${iso(r.to)}`);
        entry.calendarKey = calendarKey;
      }
      // What became of the past part's occurrences: the ledger (runs show the started ones, so only the others are kept).
      const ledgerKey = `${sc.etag}|${r.from}|${Math.floor(now / LEDGER_MS)}`;
      if (r.from < now && entry.ledgerKey !== ledgerKey) {
        const ledger = await get(`/schedules/${seg(sc.id)}/occurrences?from=${iso(r.from)}&to=${iso(Math.min(now, r.to))}`);
        entry.ledger = ledger.items.filter((o) => o.fate !== 'started');
        entry.ledgerKey = ledgerKey;
      }
      if (r.from >= now) entry.ledger = [];
      cache.set(sc.id, entry);
    } catch (e) {
      if (e.status !== 404) throw e; // deleted meanwhile: it goes at the next refresh
    }
  }

  function render() {
    const r = range();
    heading.textContent = `${utc(new Date(r.from).toISOString())} to ${utc(new Date(r.to).toISOString())}`;
    const shown = visible(r);
    const drawn = shown.slice(0, state.showAll ? shown.length : STRIPS).filter((sc) => cache.has(sc.id));
    const width = Math.max(body.clientWidth, 280);
    const narrow = width < 560;
    const quiet = schedules.length - shown.length;
    const more = !state.showAll && shown.length > STRIPS
      ? h('button', { type: 'button', class: 'more', dataset: { key: 'tl-all' }, on: { click: () => { state.showAll = true; ui.refresh(); } } }, `Show all ${shown.length} schedules`)
      : null;
    replaceKeepingFocus(body,
      axis(r, width, narrow),
      drawn.length === 0
        ? h('p', { class: 'empty' }, state.filter ? 'No schedule in this range matches the filter.' : 'Nothing is planned or ran in this range.')
        : h('ul', { class: 'tl-strips', id: 'timeline-strips' }, drawn.map((sc) => strip(sc, cache.get(sc.id), r, width))),
      more,
      quiet > 0 ? h('p', { class: 'meta', id: 'timeline-quiet' }, quiet === 1
        ? `1 other schedule ${state.filter ? 'does not match or ' : ''}has nothing in this range.`
        : `${quiet} other schedules ${state.filter ? 'do not match or ' : ''}have nothing in this range.`) : null);
  }

  function strip(sc, data, r, width) {
    const x = (t) => ((t - r.from) / (r.to - r.from)) * width;
    const inRange = (t) => t >= r.from && t < r.to;
    const zone = sc.timeZone;
    const background = [];
    const calendar = data.calendar;
    if (calendar?.activeHours) {
      background.push(s('rect', { class: 'tl-outside', x: 0, y: 0, width, height: STRIP_HEIGHT }, title('outside active hours')));
      for (const w of calendar.activeHours) {
        background.push(s('rect', { class: 'tl-window', x: x(Date.parse(w.fromUtc)), y: 0, width: Math.max(x(Date.parse(w.toUtc)) - x(Date.parse(w.fromUtc)), 1), height: STRIP_HEIGHT, dataset: { kind: 'window' } },
          title(`active hours: ${w.label} (${utc(w.fromUtc)} – ${utc(w.toUtc)})`)));
      }
    }
    for (const b of calendar?.blackouts || []) {
      background.push(s('rect', { class: 'tl-blackout', x: x(Date.parse(b.fromUtc)), y: 0, width: Math.max(x(Date.parse(b.toUtc)) - x(Date.parse(b.fromUtc)), 1), height: STRIP_HEIGHT, dataset: { kind: 'blackout' } },
        title(`${b.label} (${utc(b.fromUtc)} – ${utc(b.toUtc)})`)));
    }

    // Marks in time order, each a link; DST changes are marks too, so a keyboard reaches their explanation.
    const marks = [];
    for (const t of calendar?.dstTransitions || []) {
      const at = Date.parse(t.utc);
      marks.push({ at, key: `dst-${t.utc}`, href: `#schedule/${encodeURIComponent(sc.id)}`, cls: `tl-dst tl-${t.kind}`, label: `DST: ${t.label} (${utc(t.utc)}, ${zone})`,
        draw: (cx) => [s('line', { x1: cx, x2: cx, y1: 0, y2: STRIP_HEIGHT, class: 'tl-dst-line' }), s('path', { d: `M${cx - 5} 0 L${cx + 5} 0 L${cx} 7 Z`, class: 'mark' })] });
    }
    for (const item of data.preview?.items || []) {
      const at = Date.parse(item.utc);
      if (!inRange(at)) continue;
      const note = [item.note, item.jitter ? `jitter ${item.jitter}` : null].filter(Boolean).join('; ');
      if (item.runs) {
        marks.push({ at, key: `occ-${item.nominalUtc}`, href: `#schedule/${encodeURIComponent(sc.id)}/${encodeURIComponent(item.nominalUtc)}`, cls: 'tl-planned',
          label: `Planned: ${local(item.local, zone)}, ${utc(item.utc)}${note ? `; ${note}` : ''}`,
          draw: (cx) => s('circle', { cx, cy: OCC_Y, r: 4.5, class: 'mark' }) });
      } else {
        marks.push({ at, key: `occ-${item.nominalUtc}`, href: fateHref(sc.id, item.nominalUtc), cls: 'tl-skip',
          label: `Will not run: ${local(item.local, zone)}, ${utc(item.utc)}: ${item.skippedBecause || 'skipped'}`,
          draw: (cx) => cross(cx) });
      }
    }
    for (const o of data.ledger || []) {
      const at = Date.parse(o.occurrenceUtc);
      if (!inRange(at)) continue;
      marks.push({ at, key: `fate-${o.occurrenceUtc}`, href: fateHref(sc.id, o.occurrenceUtc), cls: `tl-skip tl-fate-${o.fate}`,
        label: `${words(o.fate)}: ${local(o.local, zone)}, ${utc(o.occurrenceUtc)}${o.reason ? `: ${o.reason}` : ''}`,
        draw: (cx) => cross(cx) });
    }
    for (const run of runs.filter((rn) => rn.scheduleId === sc.id)) {
      const start = Date.parse(run.startedUtc || run.occurrenceUtc || '');
      if (Number.isNaN(start)) continue;
      const live = ACTIVE.has(run.status);
      const end = run.endedUtc ? Date.parse(run.endedUtc) : (live ? Math.max(loadedAt, start) : start);
      if (start >= r.to || end < r.from) continue;
      marks.push({ at: Math.max(start, r.from), key: `run-${run.id}`, href: `#runs/${encodeURIComponent(run.id)}`, cls: `tl-run s-${run.status.toLowerCase()}${live ? ' tl-live' : ''}`,
        label: `Run ${words(run.status)}${live ? ' (in progress)' : ''}: started ${utc(run.startedUtc)}${run.endedUtc ? `, ended ${utc(run.endedUtc)}` : ''}, ${words(run.trigger)}`,
        dataset: { runId: run.id, status: run.status },
        draw: (cx) => s('rect', { x: cx - 2, y: RUN_Y, width: Math.max(x(Math.min(end, r.to)) - cx, 0) + 4, height: RUN_H, rx: 2, class: 'mark' }) });
    }
    marks.sort((a, b) => a.at - b.at);

    const now = Date.now();
    const links = marks.map((m) => s('a', { href: m.href, class: `tl-item ${m.cls}`, 'aria-label': m.label, dataset: { key: `${sc.id}-${m.key}`, ...(m.dataset || {}) } },
      title(m.label), m.draw(x(m.at))));
    const svg = s('svg', { class: 'tl-svg', width, height: STRIP_HEIGHT, viewBox: `0 0 ${width} ${STRIP_HEIGHT}`, role: 'group',
      'aria-label': `${sc.name}: ${summary(marks)}. Arrow keys move between its marks.` },
      s('rect', { class: 'tl-track', x: 0, y: 0, width, height: STRIP_HEIGHT }),
      background,
      inRange(now) ? s('line', { class: 'tl-now', x1: x(now), x2: x(now), y1: 0, y2: STRIP_HEIGHT }) : null,
      links);
    const firstAhead = marks.findIndex((m) => m.at >= now);
    rovingFocus(svg, links, firstAhead < 0 ? links.length - 1 : firstAhead);

    const trigger = sc.cronDescription || sc.cron || (sc.definition?.interval ? `every ${sc.definition.interval}` : '');
    const condition = !sc.enabled ? 'disabled' : sc.paused ? 'paused' : null;
    return h('li', { class: 'tl-strip', dataset: { scheduleId: sc.id } },
      h('div', { class: 'tl-label' },
        h('a', { class: 'name', href: `#schedule/${encodeURIComponent(sc.id)}`, dataset: { key: `tl-name-${sc.id}` } }, sc.name),
        h('span', { class: 'meta' }, [trigger, trigger.includes(zone) ? null : zone, condition].filter(Boolean).join(' · '))),
      svg);
  }

  return {
    refresh,
    dispose: () => { stopWatching(); clearTimeout(filterTimer); },
  };
}

/** A skipped occurrence's mark: a cross in the occurrences' lane. */
const cross = (cx) => s('path', { d: `M${cx - 4} ${OCC_Y - 4} L${cx + 4} ${OCC_Y + 4} M${cx + 4} ${OCC_Y - 4} L${cx - 4} ${OCC_Y + 4}`, class: 'mark' });

function summary(marks) {
  const count = (cls) => marks.filter((m) => m.cls.includes(cls)).length;
  const parts = [[count('tl-planned'), 'planned'], [count('tl-run'), 'runs'], [count('tl-skip'), 'skipped'], [count('tl-dst'), 'DST changes']]
    .filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return parts.length ? parts.join(', ') : 'nothing in this range';
}

/** Hour (or day) ticks in UTC over the range, with now marked when it is in range. */
function axis(r, width, narrow) {
  const step = narrow ? r.zoom.narrowTick : r.zoom.tick;
  const x = (t) => ((t - r.from) / (r.to - r.from)) * width;
  const parts = [];
  for (let t = Math.ceil(r.from / step) * step; t < r.to; t += step) {
    const d = new Date(t);
    const text = step >= 24 * HOUR
      ? `${d.toUTCString().slice(0, 3)} ${d.toISOString().slice(8, 10)}`
      : d.toISOString().slice(11, 16);
    const cx = x(t);
    parts.push(s('line', { x1: cx, x2: cx, y1: 16, y2: 22, class: 'tl-tick' }));
    if (cx > 14 && cx < width - 14) parts.push(s('text', { x: cx, y: 12, 'text-anchor': 'middle', class: 'tl-tick-label' }, text));
  }
  const now = Date.now();
  if (now >= r.from && now < r.to) {
    parts.push(s('line', { x1: x(now), x2: x(now), y1: 14, y2: 24, class: 'tl-now' }));
    parts.push(s('text', { x: Math.min(Math.max(x(now), 16), width - 16), y: 23, 'text-anchor': 'middle', class: 'tl-now-label' }, 'now'));
  }
  return s('svg', { class: 'tl-axis', width, height: 26, viewBox: `0 0 ${width} 26`, role: 'img', 'aria-label': `Time in UTC, ${r.zoom.label}` }, parts);
}

function legend() {
  const swatch = (cls, text, shape = 'rect') => h('li', {},
    s('svg', { width: 18, height: 14, 'aria-hidden': 'true', class: `tl-legend ${cls}` },
      shape === 'circle' ? s('circle', { cx: 9, cy: 7, r: 4.5, class: 'mark' })
        : shape === 'cross' ? s('path', { d: 'M5 3 L13 11 M13 3 L5 11', class: 'mark' })
          : shape === 'line' ? s('line', { x1: 9, x2: 9, y1: 0, y2: 14, class: 'mark' })
            : s('rect', { x: 1, y: 2, width: 16, height: 10, rx: 2, class: 'mark' })),
    text);
  return h('ul', { class: 'tl-legend-list', 'aria-label': 'Legend' },
    swatch('tl-planned', 'planned', 'circle'),
    swatch('s-running', 'in progress'),
    swatch('s-succeeded', 'succeeded'),
    swatch('s-failed', 'failed'),
    swatch('s-cancelled', 'cancelled'),
    swatch('tl-skip', 'skipped', 'cross'),
    swatch('tl-window', 'active hours'),
    swatch('tl-blackout', 'blackout'),
    swatch('tl-dst', 'DST change', 'line'),
    swatch('tl-now', 'now', 'line'));
}
