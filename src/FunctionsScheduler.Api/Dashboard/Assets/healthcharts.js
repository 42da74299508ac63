// The health view's charts, in plain SVG: firing lag (p50/p95) and runs by outcome per hour over the last 24 hours, read
// from the latest runs, and the due backlog as the page sampled it. Each point or bar has a text equivalent (its title and
// a table in a <details>), so the figures do not live in colour and position alone.
import { h, utc } from './dom.js';
import { s, title, ticks, percentile, ms } from './charts.js';

const HOUR = 3600000;
const HOURS = 24;
const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'running'];
const WIDTH = 560;
const HEIGHT = 180;
const LEFT = 56;
const BOTTOM = 22;

/**
 * Runs of the last 24 hours by the hour they started (UTC): per hour the firing lags of scheduled runs (occurrence →
 * start) and the count of each outcome ("running" for any run not ended).
 */
export function hourly(runs, now) {
  const end = Math.ceil(now / HOUR) * HOUR;
  const start = end - HOURS * HOUR;
  const hours = Array.from({ length: HOURS }, (_, i) => ({ at: start + i * HOUR, lags: [], outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) }));
  for (const run of runs) {
    const started = Date.parse(run.startedUtc || '');
    if (Number.isNaN(started) || started < start || started >= end) continue;
    const bucket = hours[Math.floor((started - start) / HOUR)];
    const outcome = OUTCOMES.includes(run.status) ? run.status : (run.status === 'failedToStart' ? 'failed' : 'running');
    bucket.outcomes[outcome]++;
    if (run.trigger === 'schedule' && run.occurrenceUtc) bucket.lags.push(Math.max(started - Date.parse(run.occurrenceUtc), 0));
  }
  for (const b of hours) {
    b.p50 = percentile(b.lags, 0.5);
    b.p95 = percentile(b.lags, 0.95);
  }
  return hours;
}

const hourText = (at) => new Date(at).toISOString().slice(11, 16);

function frame(max, format, hours, labelledBy) {
  const steps = ticks(max, 3);
  const top = steps[steps.length - 1] || 1;
  const slot = (WIDTH - LEFT) / HOURS;
  const y = (v) => HEIGHT - BOTTOM - (v / top) * (HEIGHT - BOTTOM - 8);
  const x = (i) => LEFT + i * slot + slot / 2;
  const parts = [
    steps.map((v) => [
      s('line', { class: 'grid-line', x1: LEFT, x2: WIDTH, y1: y(v), y2: y(v) }),
      s('text', { class: 'axis-label', x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)),
    ]),
    s('line', { class: 'axis-line', x1: LEFT, x2: WIDTH, y1: HEIGHT - BOTTOM, y2: HEIGHT - BOTTOM }),
    hours.map((b, i) => (i % 6 === 0 ? s('text', { class: 'axis-label', x: x(i), y: HEIGHT - 6, 'text-anchor': 'middle' }, hourText(b.at)) : null)),
  ];
  return { parts, x, y, slot, labelledBy };
}

const svgFor = (id, label, ...children) => s('svg', { class: 'chart chart-fluid', id, width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMinYMin meet' }, children);

/** p50 and p95 firing lag per hour as two lines (dashed p95), with a table of the same figures. */
export function lagChart(hours) {
  if (!hours.some((b) => b.lags.length)) return [];
  const max = Math.max(...hours.map((b) => b.p95 ?? 0), 1);
  const f = frame(max, ms, hours);
  const line = (key) => {
    const points = hours.map((b, i) => (b[key] === null ? null : [f.x(i), f.y(b[key])])).filter(Boolean);
    return points.length ? s('polyline', { class: `series-${key}`, points: points.map((p) => p.join(',')).join(' ') }) : null;
  };
  const dots = hours.flatMap((b, i) => (b.p50 === null ? [] : [
    s('circle', { class: 'dot series-p50', cx: f.x(i), cy: f.y(b.p50), r: 3 }, title(`${hourText(b.at)} UTC: p50 ${ms(b.p50)}, p95 ${ms(b.p95)} over ${b.lags.length} firings`)),
    s('circle', { class: 'dot series-p95', cx: f.x(i), cy: f.y(b.p95), r: 3 }, title(`${hourText(b.at)} UTC: p95 ${ms(b.p95)}`)),
  ]));
  return [
    svgFor('lag-chart', 'Firing lag per hour over the last 24 hours, p50 and p95; the table below has the figures.', f.parts, line('p50'), line('p95'), dots),
    h('ul', { class: 'chart-legend' }, h('li', {}, h('span', { class: 'swatch p50' }), 'p50'), h('li', {}, h('span', { class: 'swatch p95' }), 'p95 (dashed)'), h('li', {}, 'occurrence → run start, scheduled runs, by hour started (UTC)')),
    figures('lag', ['Hour (UTC)', 'Firings', 'p50', 'p95'], hours.filter((b) => b.lags.length).map((b) => [hourText(b.at), b.lags.length, ms(b.p50), ms(b.p95)])),
  ];
}

/** Runs started per hour, stacked by outcome, with a table of the same counts. */
export function outcomeChart(hours) {
  const totals = hours.map((b) => OUTCOMES.reduce((n, o) => n + b.outcomes[o], 0));
  if (!totals.some((t) => t > 0)) return [];
  const f = frame(Math.max(...totals, 1), (v) => String(Math.round(v)), hours);
  const bar = Math.max(f.slot * 0.7, 2);
  const bars = hours.flatMap((b, i) => {
    let base = 0;
    return OUTCOMES.filter((o) => b.outcomes[o] > 0).map((o) => {
      const top = base + b.outcomes[o];
      const rect = s('rect', { class: 'mark', x: f.x(i) - bar / 2, y: f.y(top), width: bar, height: Math.max(f.y(base) - f.y(top), 1), dataset: { hour: hourText(b.at), outcome: o, count: b.outcomes[o] } },
        title(`${hourText(b.at)} UTC: ${b.outcomes[o]} ${o}`));
      base = top;
      return s('g', { class: `s-${o}` }, rect);
    });
  });
  return [
    svgFor('outcome-chart', 'Runs started per hour over the last 24 hours by outcome; the table below has the counts.', f.parts, bars),
    h('ul', { class: 'chart-legend' }, OUTCOMES.map((o) => h('li', {}, h('span', { class: `swatch s-${o}` }), o))),
    figures('outcomes', ['Hour (UTC)', ...OUTCOMES], hours.filter((b, i) => totals[i] > 0).map((b) => [hourText(b.at), ...OUTCOMES.map((o) => b.outcomes[o])])),
  ];
}

/** The due backlog as sampled by this page: count (line) over time, with the latest figure in words. */
export function backlogChart(samples) {
  if (samples.length === 0) return [];
  const last = samples[samples.length - 1];
  const max = Math.max(...samples.map((x) => x.count), 1);
  const steps = ticks(max, 3);
  const top = steps[steps.length - 1] || 1;
  const t0 = samples[0].at;
  const t1 = Math.max(last.at, t0 + 1);
  const x = (t) => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - 8);
  const y = (v) => HEIGHT - BOTTOM - (v / top) * (HEIGHT - BOTTOM - 8);
  return [
    h('p', { id: 'backlog-now' }, `${last.count} due occurrence${last.count === 1 ? '' : 's'} not claimed yet${last.ageMs ? `, the oldest ${ms(last.ageMs)} late` : ''} (${samples.length} sample${samples.length === 1 ? '' : 's'} taken by this page since ${utc(new Date(t0).toISOString())}).`),
    svgFor('backlog-chart', `Due backlog sampled by this page: now ${last.count}, highest ${Math.max(...samples.map((z) => z.count))}.`,
      steps.map((v) => [s('line', { class: 'grid-line', x1: LEFT, x2: WIDTH, y1: y(v), y2: y(v) }), s('text', { class: 'axis-label', x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v))]),
      s('line', { class: 'axis-line', x1: LEFT, x2: WIDTH, y1: HEIGHT - BOTTOM, y2: HEIGHT - BOTTOM }),
      s('text', { class: 'axis-label', x: LEFT, y: HEIGHT - 6 }, new Date(t0).toISOString().slice(11, 19)),
      s('text', { class: 'axis-label', x: WIDTH, y: HEIGHT - 6, 'text-anchor': 'end' }, 'now'),
      samples.length > 1
        ? s('polyline', { class: 'series-backlog', points: samples.map((z) => `${x(z.at)},${y(z.count)}`).join(' ') })
        : s('circle', { class: 'dot series-backlog', cx: x(last.at), cy: y(last.count), r: 3 })),
  ];
}

function figures(id, headings, rows) {
  return h('details', { dataset: { key: `${id}-figures` } }, h('summary', {}, 'The figures'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: `${id}-table` },
      h('thead', {}, h('tr', {}, headings.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row', 'data-label': headings[i] }, c) : h('td', { 'data-label': headings[i] }, String(c))))))))));
}
