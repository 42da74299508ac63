// The shell: navigation between views, polling, the health pill, who "you" are, and how errors and outcomes are shown.
import { get } from './api.js';
import { h, problemText } from './dom.js';
import { createNeedsView } from './needs.js';
import { createUpcomingView } from './upcoming.js';
import { createRunsView } from './runs.js';
import { createWhyNotView } from './whynot.js';
import { createHealthView } from './health.js';

const views = {
  needs: { title: 'Needs me', create: createNeedsView },
  upcoming: { title: 'Will run', create: createUpcomingView },
  runs: { title: 'Ran', create: createRunsView },
  whynot: { title: 'Why not', create: createWhyNotView },
  health: { title: 'Health', create: createHealthView },
};

const REFRESH_MS = 5000;
const HEALTH_MS = 15000;
const main = document.getElementById('view');
const errorBanner = document.getElementById('error');
const flashBox = document.getElementById('flash');
const who = document.getElementById('who');

let current = null;
let refreshing = null;
let again = null;
let errorFromRefresh = false;

who.value = localStorage.getItem('dashboard.user') || '';
who.placeholder = 'default';
who.addEventListener('change', () => {
  localStorage.setItem('dashboard.user', who.value.trim());
  ui.refresh();
});
document.getElementById('who-form').addEventListener('submit', (e) => e.preventDefault());

const ui = {
  /** Who answers interventions and whose inbox is shown. */
  user: () => who.value.trim() || 'default',
  flash(text) {
    flashBox.textContent = text;
    clearTimeout(ui.flashTimer);
    ui.flashTimer = setTimeout(() => { flashBox.textContent = ''; }, 8000);
  },
  showError(error, fromRefresh = false) {
    errorFromRefresh = fromRefresh;
    const heading = error?.status ? `Error ${error.status}: ` : 'Error: ';
    const message = problemText(error);
    // A refresh that fails the same way every few seconds must not make screen readers announce it every time.
    if (!errorBanner.hidden && errorBanner.dataset.message === heading + message) return;
    errorBanner.dataset.message = heading + message;
    const close = h('button', { type: 'button', class: 'link', on: { click: () => ui.clearError() } }, 'Dismiss');
    errorBanner.replaceChildren(h('strong', {}, heading), message, ' ', close);
    errorBanner.hidden = false;
  },
  clearError() {
    errorBanner.hidden = true;
    delete errorBanner.dataset.message;
    errorBanner.replaceChildren();
  },
  /**
   * Refreshes the current view (after an action, or on the timer), one refresh at a time. A call during a refresh gets
   * one more after it: the one in flight may have read before the action it follows changed anything.
   */
  refresh() {
    if (!current) return Promise.resolve();
    if (refreshing) {
      again ??= refreshing.then(() => { again = null; return ui.refresh(); });
      return again;
    }
    const view = current;
    refreshing = view.refresh()
      .then(() => { if (errorFromRefresh) ui.clearError(); })
      .catch((e) => { if (view === current && e.name !== 'AbortError') ui.showError(e, true); })
      .finally(() => { refreshing = null; });
    return refreshing;
  },
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** The number beside "Needs me": interventions waiting ('' for none). */
  setNeedsCount(text) {
    document.getElementById('needs-count').textContent = text;
  },
};

function route() {
  const [name, ...rest] = location.hash.replace(/^#/, '').split('/');
  const key = views[name] ? name : 'needs';
  current?.dispose?.();
  ui.clearError();
  for (const link of document.querySelectorAll('nav a[data-view]')) {
    if (link.dataset.view === key) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${views[key].title} · FunctionsScheduler`;
  main.replaceChildren(h('h2', { class: 'view-title' }, views[key].title), h('p', { class: 'loading' }, 'Loading…'));
  current = views[key].create(main, ui, rest.map(decodeURIComponent));
  refreshing = null;
  again = null;
  ui.refresh();
}

async function refreshHealth() {
  const pill = document.getElementById('health-pill');
  try {
    const health = await get('/health', { okStatuses: [503] });
    pill.className = `health-pill ${health.status === 'healthy' ? 'ok' : 'bad'}`;
    pill.textContent = health.status === 'healthy' ? 'Healthy' : `Degraded: ${health.reasons.join('; ')}`;
    const waiting = health.pendingInterventions;
    ui.setNeedsCount(waiting?.count ? `${waiting.count}${waiting.capped ? '+' : ''}` : '');
  } catch (e) {
    pill.className = 'health-pill bad';
    pill.textContent = `Health unknown: ${problemText(e)}`;
  }
}

window.addEventListener('hashchange', route);
setInterval(() => { if (!document.hidden) ui.refresh(); }, REFRESH_MS);
setInterval(() => { if (!document.hidden) current?.tick?.(); }, 1000);
setInterval(() => { if (!document.hidden) refreshHealth(); }, HEALTH_MS);
route();
refreshHealth();
