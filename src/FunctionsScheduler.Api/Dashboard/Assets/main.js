// The shell: signing in, navigation between views, polling, the health pill, who "you" are, and how errors and outcomes
// are shown.
import { get, credential, whenUnauthorized } from './api.js';
import { h, problemText } from './dom.js';
import { setRole } from './roles.js';
import { createNeedsView } from './needs.js';
import { createUpcomingView } from './upcoming.js';
import { createRunsView } from './runs.js';
import { createWhyNotView } from './whynot.js';
import { createHealthView } from './health.js';
import { createTimeline } from './timeline.js';
import { createScheduleView } from './schedule.js';
import { createEditorView } from './editor.js';

/** The landing view: the timeline of every schedule on top, then what needs a person. */
function createLandingView(container, ui, args) {
  const timelineBox = h('div');
  const needsBox = h('div');
  container.replaceChildren(timelineBox, needsBox);
  const timeline = createTimeline(timelineBox, ui);
  const needs = createNeedsView(needsBox, ui, args);
  return {
    // Both parts refresh together; one failing does not keep the other from showing what it has.
    async refresh() {
      const [a, b] = await Promise.allSettled([timeline.refresh(), needs.refresh()]);
      for (const result of [a, b]) if (result.status === 'rejected') throw result.reason;
    },
    tick: () => needs.tick?.(),
    dispose: () => { timeline.dispose?.(); needs.dispose?.(); },
  };
}

const views = {
  needs: { title: 'Needs me', create: createLandingView },
  upcoming: { title: 'Will run', create: createUpcomingView },
  runs: { title: 'Ran', create: createRunsView },
  whynot: { title: 'Why not', create: createWhyNotView },
  health: { title: 'Health', create: createHealthView },
  schedule: { title: 'Schedule', create: createScheduleView },
  new: { title: 'New schedule', create: (c, u) => createEditorView(c, u, []) },
  edit: { title: 'Edit schedule', create: createEditorView },
};

const REFRESH_MS = 5000;
const HEALTH_MS = 15000;
const FLASH_MS = 6000;
const main = document.getElementById('view');
const errorBanner = document.getElementById('error');
const flashBox = document.getElementById('flash');
const who = document.getElementById('who');
const app = document.getElementById('app');
const signIn = document.getElementById('signin');
const signInForm = document.getElementById('signin-form');
const signInMessage = document.getElementById('signin-message');
const keyInput = document.getElementById('api-key');
const keyError = document.getElementById('api-key-error');
const identity = document.getElementById('identity');
const signOut = document.getElementById('sign-out');

let current = null;
let refreshing = null;
let again = null;
let errorFromRefresh = false;
let pendingFlash = null;

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
  /** A success message: it belongs to the view it was said in, so it goes after a few seconds or when the view changes. */
  flash(text) {
    flashBox.textContent = text;
    clearTimeout(ui.flashTimer);
    ui.flashTimer = setTimeout(() => ui.clearFlash(), FLASH_MS);
  },
  clearFlash() {
    clearTimeout(ui.flashTimer);
    flashBox.textContent = '';
  },
  showError(error, fromRefresh = false) {
    // A 401 ends the session: the sign-in form says so instead (see whenUnauthorized below).
    if (error?.status === 401) return;
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
  /** Goes to another view; `message` is a success message said there (the view it was earned in is gone). */
  navigate(hash, message) {
    pendingFlash = message || null;
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
  ui.clearFlash();
  if (pendingFlash) ui.flash(pendingFlash);
  pendingFlash = null;
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

/**
 * Who this tab acts as: the key it signed in with, else local development (a loopback request without a credential to a
 * local host that allows it), else nobody, and the sign-in form asks for an API key.
 */
async function start() {
  const stored = credential.get();
  let refused = false;
  let me = null;
  if (stored) {
    try {
      me = await get('/me', { key: stored });
    } catch (e) {
      if (e.status !== 401) return startFailed(e);
      credential.clear();
      refused = true;
    }
  }
  if (!me) {
    try {
      me = await get('/me', { key: null });
    } catch (e) {
      if (e.status !== 401) return startFailed(e);
      return showSignIn(refused ? KEY_REFUSED : '');
    }
  }
  return enter(me);
}

const KEY_REFUSED = 'Your API key is no longer accepted (revoked or expired). Sign in again.';
let session = null;
let retryStart = null;

/** GET /api/me failed for another reason than a credential (the API unreachable, say): say so and try again shortly. */
function startFailed(error) {
  app.hidden = false;
  ui.showError(error);
  clearTimeout(retryStart);
  retryStart = setTimeout(start, REFRESH_MS);
}

/** Shows the views as the caller GET /api/me described. */
function enter(me) {
  clearTimeout(retryStart);
  session = me;
  setRole(me.role);
  const kind = me.actor?.startsWith('user:') ? 'User' : 'Key';
  document.getElementById('identity-text').replaceChildren(...(me.localDevelopment
    ? ['local development — ', h('strong', {}, me.role), ' of ', h('strong', {}, me.tenant)]
    : ['Tenant ', h('strong', {}, me.tenant), ' · ', h('strong', {}, me.role), ` · ${kind} `, h('strong', {}, me.name)]));
  signOut.hidden = !credential.get();
  identity.hidden = false;
  signIn.hidden = true;
  who.form.hidden = false;
  app.hidden = false;
  route();
}

/** Puts the views away and asks for an API key, saying why when the session ended rather than never began. */
function showSignIn(message) {
  clearTimeout(retryStart);
  session = null;
  current?.dispose?.();
  current = null;
  setRole(null);
  ui.clearError();
  main.replaceChildren();
  app.hidden = true;
  identity.hidden = true;
  who.form.hidden = true;
  signInMessage.textContent = message || 'This scheduler needs an API key: sign in with yours to see its schedules and runs.';
  keyError.textContent = '';
  keyInput.removeAttribute('aria-invalid');
  document.title = 'Sign in · FunctionsScheduler';
  signIn.hidden = false;
  if (message) keyInput.focus();
}

signInForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = keyInput.value.trim();
  const button = signInForm.querySelector('button[type=submit]');
  keyError.textContent = '';
  keyInput.removeAttribute('aria-invalid');
  if (!key) {
    keyInput.setAttribute('aria-invalid', 'true');
    keyError.textContent = 'Enter your API key.';
    keyInput.focus();
    return;
  }
  button.disabled = true;
  try {
    const me = await get('/me', { key });
    credential.set(key);
    keyInput.value = '';
    enter(me);
    main.focus();
    refreshHealth();
  } catch (err) {
    keyInput.setAttribute('aria-invalid', 'true');
    keyError.textContent = err.status === 401 ? `That key was refused: ${problemText(err)}` : problemText(err);
    keyInput.select();
  } finally {
    button.disabled = false;
  }
});

signOut.addEventListener('click', () => {
  credential.clear();
  showSignIn('Signed out: this tab no longer holds your API key.');
});

// The key was revoked or expired (or local development no longer applies) while the page was open.
whenUnauthorized((error, keySent) => {
  if (!session) return;
  showSignIn(keySent ? KEY_REFUSED : 'This scheduler now needs an API key: sign in with yours.');
});

window.addEventListener('hashchange', () => { if (session) route(); });
setInterval(() => { if (!document.hidden) ui.refresh(); }, REFRESH_MS);
setInterval(() => { if (!document.hidden) current?.tick?.(); }, 1000);
setInterval(() => { if (!document.hidden) refreshHealth(); }, HEALTH_MS);
start();
refreshHealth();
