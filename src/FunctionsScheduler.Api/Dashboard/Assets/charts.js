// Plain SVG, built like dom.js builds HTML: every text goes in as a text node or an attribute, never as markup. The
// timeline, a schedule's run chart and the health charts all draw with these.

import { fill } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element: attrs as in h() (null/false left out, `on` for listeners, `dataset`), children nodes or text. */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(NS, tag), attrs, children);
}

/** A tooltip for an SVG element (screen readers get the aria-label of the link around it instead). */
export const title = (text) => s('title', {}, text);

/**
 * Roving focus inside one chart: a single Tab stop (the item with tabindex 0), arrow keys move between the items in
 * order, Home/End to the first and last, Enter follows the link. `start` is the item that holds the Tab stop.
 */
export function rovingFocus(svg, items, start) {
  // Chromium puts an <svg> in the Tab order itself; only its marks belong there.
  svg.setAttribute('tabindex', '-1');
  if (items.length === 0) return;
  let current = Math.min(Math.max(start ?? 0, 0), items.length - 1);
  items.forEach((item, i) => item.setAttribute('tabindex', i === current ? '0' : '-1'));
  svg.addEventListener('keydown', (e) => {
    const index = items.indexOf(document.activeElement);
    if (index < 0) return;
    let next = index;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(index + 1, items.length - 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(index - 1, 0);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else return;
    e.preventDefault();
    items[current].setAttribute('tabindex', '-1');
    current = next;
    items[current].setAttribute('tabindex', '0');
    items[current].focus();
  });
  svg.addEventListener('focusin', (e) => {
    const index = items.indexOf(e.target);
    if (index < 0 || index === current) return;
    items[current].setAttribute('tabindex', '-1');
    current = index;
    items[current].setAttribute('tabindex', '0');
  });
}

/** Nice round steps for an axis up to max: 0, step, 2·step … ≥ max (about `count` of them). */
export function ticks(max, count = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= raw);
  const out = [];
  for (let v = 0; v < max + step - 1e-9; v += step) out.push(Number(v.toFixed(6)));
  return out;
}

/** The p-th percentile (0..1) of numbers, by nearest rank; null for none. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Milliseconds in short words for an axis: "850 ms", "4.2 s", "3 min". */
export function ms(value) {
  if (value === null || value === undefined) return '—';
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60000) return `${(value / 1000).toFixed(value < 10000 ? 1 : 0)} s`;
  if (value < 3600000) return `${(value / 60000).toFixed(value < 600000 ? 1 : 0)} min`;
  return `${(value / 3600000).toFixed(1)} h`;
}

/** Watches an element's width and calls back on a real change (charts redraw to fit); returns a function that stops it. */
export function onWidthChange(element, callback) {
  let width = element.clientWidth;
  const observer = new ResizeObserver(() => {
    if (Math.abs(element.clientWidth - width) < 2) return;
    width = element.clientWidth;
    callback(width);
  });
  observer.observe(element);
  return () => observer.disconnect();
}
