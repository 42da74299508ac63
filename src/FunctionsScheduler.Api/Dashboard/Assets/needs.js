// "What needs me?": interventions waiting for a person, failed runs, schedules the scheduler paused, unread notifications.
import { get, post, seg, pagedList } from './api.js';
import { h, section, badge, utc, relative, time, problemText, act, replaceKeepingFocus, words, withoutPlaceholderActor } from './dom.js';
import { can } from './roles.js';

export function createNeedsView(container, ui) {
  const interventionList = h('div', { class: 'stack' });
  const interventionEmpty = h('p', { class: 'empty' }, 'Nothing is waiting for a person.');
  const interventionCount = h('span', { class: 'count' });
  const failed = h('div');
  const paused = h('div');
  const inbox = h('div');
  const cards = new Map();
  const pendingList = pagedList('/interventions?status=pending', 50);
  const moreInterventions = h('button', { type: 'button', class: 'more', hidden: true, on: { click: () => { pendingList.showMore(); ui.refresh(); } } }, 'Show more waiting interventions');
  container.replaceChildren(
    h('h2', { class: 'view-title' }, 'Needs me'),
    h('section', { class: 'card', 'aria-labelledby': 'interventions-h', id: 'interventions' },
      h('h2', { id: 'interventions-h' }, 'Waiting for a person', interventionCount),
      interventionEmpty, interventionList, moreInterventions),
    failed, paused, inbox);

  async function refresh() {
    const user = ui.user();
    // The inbox is read before the waiting interventions: an intervention asked for in a notification already exists, so
    // one missing from the pending list afterwards was answered, declined or expired (not merely not written yet).
    const notifications = await get(`/notifications?recipient=${seg(user)}&pageSize=50`);
    const [pending, runs, pausedSchedules] = await Promise.all([
      pendingList.load(),
      get('/runs?pageSize=50'),
      get('/schedules?paused=true&pageSize=100'),
    ]);

    const items = pending.slice().sort((a, b) => a.deadlineUtc.localeCompare(b.deadlineUtc));
    for (const [id, card] of cards) {
      if (!items.some((i) => i.id === id)) { card.remove(); cards.delete(id); }
    }
    for (const item of items) {
      if (!cards.has(item.id)) {
        const card = interventionCard(item, ui);
        cards.set(item.id, card);
        interventionList.append(card);
      }
    }
    interventionEmpty.hidden = items.length > 0;
    interventionCount.textContent = `${items.length}${pendingList.hasMore ? '+' : ''}`;
    moreInterventions.hidden = !pendingList.hasMore;
    ui.setNeedsCount(interventionCount.textContent === '0' ? '' : interventionCount.textContent);
    tick();

    const failedRuns = runs.items.filter((r) => r.status === 'failed');
    replaceKeepingFocus(failed, section('failed', 'Failed runs', failedRuns.map((r) => failedRunItem(r, ui)), 'No failed runs among the latest 50.', failedRuns.length));

    const autoPaused = pausedSchedules.items.filter((s) => s.paused?.by === 'scheduler');
    replaceKeepingFocus(paused, section('auto-paused', 'Paused by the scheduler', autoPaused.map((s) => pausedItem(s, ui)), 'No schedule was paused after repeated failures.', autoPaused.length));

    // A snoozed notification stays out of the way until its snooze ends, then counts as unread again.
    const now = Date.now();
    const unread = notifications.items.filter((n) => (n.status === 'pending' || n.status === 'sent')
      && !(n.snoozedUntilUtc && Date.parse(n.snoozedUntilUtc) > now));
    // A "… needed" notification whose intervention no longer waits reads as resolved, not as a request still open.
    const waiting = new Set(items.map((i) => i.id));
    const resolved = (n) => !pendingList.hasMore && interventionOf(n) !== null && !waiting.has(interventionOf(n));
    replaceKeepingFocus(inbox, section('inbox', `Unread notifications for ${user}`, unread.map((n) => notificationItem(n, user, ui, resolved(n))), 'No unread notifications.', unread.length));
  }

  function tick() {
    const now = Date.now();
    for (const el of container.querySelectorAll('[data-deadline]')) {
      const left = new Date(el.dataset.deadline).getTime() - now;
      el.textContent = left > 0 ? `expires ${relative(el.dataset.deadline, now)}` : 'expired';
      el.classList.toggle('urgent', left < 60000);
    }
  }

  return { refresh, tick };
}

function interventionCard(item, ui) {
  const headingId = `iv-${item.id}`;
  // An intervention names its schedule and run by id only; the run says the schedule's name (read once per card).
  const scheduleLink = h('a', { class: 'schedule-name', href: `#schedule/${encodeURIComponent(item.scheduleId)}` }, 'its schedule');
  get(`/runs/${seg(item.runId)}`).then((run) => { scheduleLink.textContent = run.scheduleName; }, () => {});
  const header = [
    h('h3', { id: headingId }, interventionTitle(item)),
    h('p', { class: 'prompt' }, item.prompt),
    h('p', { class: 'meta' },
      'Schedule ', scheduleLink, ' · ', h('a', { href: `#runs/${encodeURIComponent(item.runId)}` }, 'its run'), ' · ',
      'deadline ', time(item.deadlineUtc, utc(item.deadlineUtc)), ' · ',
      h('span', { class: 'countdown', dataset: { deadline: item.deadlineUtc } })),
  ];
  const article = (...rest) => h('article', { class: 'intervention', 'aria-labelledby': headingId, dataset: { interventionId: item.id } }, header, rest);
  // Answering and declining are an operator's: a reader sees what is waiting, without a form it could not send.
  if (!can('AnswerIntervention') && !can('DeclineIntervention')) return article(h('p', { class: 'meta' }, 'An operator can answer or decline this.'));
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const inputs = [];
  const fieldRows = (item.fields || []).map((field) => {
    const inputId = `iv-${item.id}-${field.name}`;
    const input = h('input', {
      id: inputId,
      name: field.name,
      type: field.secret ? 'password' : 'text',
      autocomplete: field.secret ? 'new-password' : 'off',
      'aria-required': field.required === false ? 'false' : 'true',
      'aria-describedby': `${inputId}-err`,
      spellcheck: 'false',
    });
    inputs.push({ field, input });
    return h('div', { class: 'field' },
      h('label', { for: inputId }, field.label || field.name, field.required === false ? ' (optional)' : '', field.secret ? ' (secret)' : ''),
      input,
      h('span', { class: 'field-error', id: `${inputId}-err` }));
  });
  const byId = `iv-${item.id}-by`;
  const by = h('input', { id: byId, name: 'answeredBy', value: ui.user(), autocomplete: 'username', 'aria-required': 'true', 'aria-describedby': `${byId}-err`, maxlength: 200 });
  const answer = h('button', { type: 'submit', class: 'primary' }, 'Answer');
  const decline = h('button', { type: 'button' }, 'Decline');

  function markErrors(error) {
    const errors = error?.errors || {};
    for (const { field, input } of inputs) setFieldError(input, errors[`fields.${field.name}`]);
    setFieldError(by, errors.answeredBy);
  }

  async function send(button, declined) {
    formError.textContent = '';
    markErrors(null);
    const fields = {};
    for (const { field, input } of inputs) if (input.value !== '') fields[field.name] = input.value;
    const body = declined ? { answeredBy: by.value.trim() } : { answeredBy: by.value.trim(), fields };
    button.disabled = true;
    try {
      await post(`/interventions/${seg(item.id)}/${declined ? 'decline' : 'answer'}`, body);
      ui.flash(declined ? `Declined “${item.prompt}”: the phase fails.` : `Answered “${item.prompt}”: the run continues.`);
      for (const { field, input } of inputs) if (field.secret) input.value = '';
      await ui.refresh();
    } catch (e) {
      formError.textContent = problemText(e);
      markErrors(e);
      // A secret never lingers in the page after it was sent, even when the answer was refused.
      for (const { field, input } of inputs) if (field.secret) input.value = '';
    } finally {
      button.disabled = false;
    }
  }

  const form = h('form', { 'aria-labelledby': headingId, novalidate: true, on: { submit: (e) => { e.preventDefault(); send(answer, false); } } },
    fieldRows,
    h('div', { class: 'field' }, h('label', { for: byId }, 'Answered by'), by, h('span', { class: 'field-error', id: `${byId}-err` })),
    formError,
    h('div', { class: 'actions' }, answer, decline));
  decline.addEventListener('click', () => send(decline, true));

  return article(form);
}

/** "Login needed in phase navigate", or just "Login needed" when the phase is named after its kind (no "login: login"). */
function interventionTitle(item) {
  const kind = words(item.kind);
  const title = `${kind.charAt(0).toUpperCase()}${kind.slice(1)} needed`;
  const phase = item.phaseName || '';
  return phase && words(phase) !== kind ? `${title} in phase ${phase}` : title;
}

function setFieldError(input, messages) {
  const holder = document.getElementById(input.getAttribute('aria-describedby'));
  if (messages && messages.length) {
    input.setAttribute('aria-invalid', 'true');
    holder.textContent = [].concat(messages).join(' ');
  } else {
    input.removeAttribute('aria-invalid');
    holder.textContent = '';
  }
}

function failedRunItem(run, ui) {
  let retry = null;
  if (can('RetryRun')) {
    retry = h('button', { type: 'button', dataset: { key: `retry-${run.id}` } }, 'Retry');
    retry.addEventListener('click', () => act(retry, () => post(`/runs/${seg(run.id)}/retry`), ui, `Retry started as a new run of ${run.scheduleName}.`));
  }
  return h('article', { class: 'row-item', dataset: { runId: run.id } },
    h('div', {},
      h('strong', {}, run.scheduleName), ' ', badge(run.status), ' ',
      time(run.endedUtc, run.endedUtc ? `ended ${relative(run.endedUtc)}` : ''),
      run.error ? h('p', { class: 'error-text' }, withoutPlaceholderActor(run.error)) : null),
    h('div', { class: 'actions' }, retry, h('a', { href: '#runs', class: 'button-like' }, 'All runs')));
}

function pausedItem(schedule, ui) {
  let resume = null;
  if (can('ResumeSchedule')) {
    resume = h('button', { type: 'button', dataset: { key: `resume-${schedule.id}` } }, 'Resume');
    resume.addEventListener('click', () => act(resume, () => post(`/schedules/${seg(schedule.id)}/resume`, { by: ui.user() }), ui, `Resumed ${schedule.name}.`));
  }
  return h('article', { class: 'row-item', dataset: { scheduleId: schedule.id } },
    h('div', {},
      h('strong', {}, schedule.name), ' ', badge('paused'), ' ',
      h('span', { class: 'meta' }, `since ${utc(schedule.paused.atUtc)}`),
      h('p', {}, schedule.paused.reason)),
    h('div', { class: 'actions' }, resume, h('a', { href: `#whynot/${encodeURIComponent(schedule.id)}`, class: 'button-like' }, 'Why not')));
}

/** The intervention an "intervention required" notification (request, reminder or escalation) is about, from its idempotency key. */
function interventionOf(n) {
  if (n.type !== 'interventionRequired') return null;
  return /^run:.+?:intervention:([^:]+)/.exec(n.idempotencyKey || '')?.[1] ?? null;
}

function notificationItem(n, user, ui, resolved) {
  const query = `?recipient=${seg(user)}`;
  const button = (operation, key, text, send, done) => {
    if (!can(operation)) return null;
    const b = h('button', { type: 'button', dataset: { key: `${key}-${n.id}` } }, text);
    b.addEventListener('click', () => act(b, send, ui, done));
    return b;
  };
  const read = button('MarkNotificationRead', 'read', 'Mark read', () => post(`/notifications/${seg(n.id)}/read${query}`), 'Marked read.');
  const dismiss = button('DismissNotification', 'dismiss', 'Dismiss', () => post(`/notifications/${seg(n.id)}/dismiss${query}`), 'Dismissed.');
  const snooze = button('SnoozeNotification', 'snooze', 'Snooze 1 h',
    () => post(`/notifications/${seg(n.id)}/snooze${query}`, { until: new Date(Date.now() + 3600_000).toISOString() }), 'Snoozed for an hour.');
  return h('article', { class: resolved ? 'row-item resolved' : 'row-item', dataset: { notificationId: n.id } },
    h('div', {},
      h('strong', {}, n.title), ' ', badge(resolved ? 'resolved' : n.priority), ' ', h('span', { class: 'meta' }, time(n.createdUtc, relative(n.createdUtc))),
      h('p', {}, resolved ? 'Resolved: this intervention was answered, declined or expired, and no longer waits for anyone.' : n.message)),
    h('div', { class: 'actions' }, read, snooze, dismiss));
}
