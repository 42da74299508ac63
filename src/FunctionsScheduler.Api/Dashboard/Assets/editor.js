// Create and edit a schedule: a form whose cron is described and previewed as you type (POST /api/schedules/preview,
// debounced) with DST, window and jitter notes; presets; field errors from the API's problem details shown at their
// field; an edit sends If-Match and says so plainly when someone else changed the schedule meanwhile (412).
import { get, post, put, seg } from './api.js';
import { h, utc, local, timespan, problemText } from './dom.js';
import { can } from './roles.js';

const PREVIEW_DELAY_MS = 400;
const PREVIEW_COUNT = 6;

/** Starting points for the job: the JSON a new schedule's job field is filled with. */
const JOBS = {
  simulated: { label: 'Simulated, one phase', job: { type: 'simulated', phases: [{ name: 'work', durationMs: 1000 }] } },
  pipeline: { label: 'Simulated, three phases', job: { type: 'simulated', phases: [{ name: 'extract' }, { name: 'transform', dependsOn: ['extract'] }, { name: 'load', dependsOn: ['transform'] }] } },
  http: { label: 'HTTP call', job: { type: 'http', phases: [{ name: 'call', http: { endpoint: 'my-endpoint', method: 'POST', path: '/run?id={{runId}}' }, retry: { maxAttempts: 3, firstDelay: '00:00:30' } }] } },
};

export function createEditorView(container, ui, [id]) {
  const editing = Boolean(id);
  let original = null; // the schedule as read (its etag and the parts of its definition the form does not show)
  let previewTimer = null;
  let previewSeq = 0;
  let loaded = false;

  const field = (name, label, control, hint) => {
    const errorId = `f-${name.replace(/\W/g, '-')}-error`;
    const hintId = hint ? `f-${name.replace(/\W/g, '-')}-hint` : null;
    control.id = `f-${name.replace(/\W/g, '-')}`;
    control.dataset.field = name;
    control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
    return h('div', { class: 'field', dataset: { for: name } },
      h('label', { for: control.id }, label), control,
      hint ? h('span', { class: 'hint', id: hintId }, hint) : null,
      h('span', { class: 'field-error', id: errorId, role: 'alert' }));
  };
  const input = (name, attrs = {}) => h('input', { name, spellcheck: 'false', autocomplete: 'off', ...attrs });
  const select = (name, options) => h('select', { name }, options.map(([value, text]) => h('option', { value }, text)));

  const f = {
    name: input('name', { maxlength: 200, required: true }),
    description: input('description', { maxlength: 1000 }),
    kind: select('kind', [['cron', 'Cron expression'], ['interval', 'Fixed interval'], ['at', 'Once, at an instant']]),
    cron: input('cron', { placeholder: '*/15 * * * *' }),
    interval: input('interval', { placeholder: '00:15:00' }),
    at: input('at', { placeholder: '2027-01-01T09:00:00Z' }),
    timeZone: input('timeZone', { list: 'f-zones', placeholder: 'UTC' }),
    jitter: input('jitter', { placeholder: '00:00:00 (none)' }),
    gap: select('dst.gap', [['atTransition', 'at the transition (default)'], ['shift', 'shifted by the gap'], ['skip', 'skipped']]),
    overlap: select('dst.overlap', [['auto', 'by the expression (default)'], ['once', 'once'], ['twice', 'twice']]),
    days: input('activeHours[0].days', { placeholder: 'weekdays, or mon, tue…' }),
    from: input('activeHours[0].from', { placeholder: '09:00' }),
    to: input('activeHours[0].to', { placeholder: '17:00' }),
    blackouts: h('textarea', { name: 'blackouts', rows: 3, spellcheck: 'false', placeholder: '[{ "every": "year", "month": 12, "day": 25, "reason": "Christmas" }]' }),
    job: h('textarea', { name: 'job', rows: 8, spellcheck: 'false' }),
    enabled: h('input', { type: 'checkbox', name: 'enabled', checked: true }),
  };
  const zones = h('datalist', { id: 'f-zones' }, (Intl.supportedValuesOf?.('timeZone') || ['UTC']).map((z) => h('option', { value: z })));
  const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'Presets' });
  const jobStarters = h('div', { class: 'presets', role: 'group', 'aria-label': 'Job templates' },
    Object.entries(JOBS).map(([key, j]) => h('button', { type: 'button', dataset: { job: key }, on: { click: () => { f.job.value = JSON.stringify(j.job, null, 2); schedulePreview(); } } }, j.label)));
  const formError = h('div', { class: 'form-error', id: 'editor-error', role: 'alert' });
  const conflict = h('div', { id: 'editor-conflict', role: 'alert', hidden: true });
  const previewBox = h('div', { class: 'live-preview', id: 'editor-preview', 'aria-live': 'polite' }, h('p', { class: 'meta' }, 'Type a trigger to see when it runs.'));
  const save = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create schedule');
  const cron = field('cron', 'Cron', f.cron, 'Five fields (minute hour day month weekday) or six with seconds first.');
  const interval = field('interval', 'Every', f.interval, 'A duration such as 00:15:00 (hh:mm:ss) or 1.00:00:00 (a day).');
  const at = field('at', 'At', f.at, 'An ISO 8601 instant.');

  const form = h('form', { class: 'card editor', id: 'schedule-form', novalidate: true, 'aria-labelledby': 'editor-h', on: { submit: (e) => { e.preventDefault(); submit(); } } },
    h('h2', { id: 'editor-h' }, editing ? 'Edit the definition' : 'A new schedule'),
    conflict,
    h('div', { class: 'form-grid' },
      field('name', 'Name', f.name),
      field('description', 'Description', f.description),
      field('kind', 'Runs', f.kind),
      h('div', { class: 'field wide', dataset: { for: 'trigger' } }, cron, presets, interval, at),
      field('timeZone', 'Time zone', f.timeZone, 'An IANA zone such as Europe/London; the cron runs on its wall clock.'),
      field('jitter', 'Jitter', f.jitter, 'Spread starts by up to this long (hh:mm:ss), the same for each occurrence.'),
      field('dst.gap', 'A time DST skips (spring)', f.gap),
      field('dst.overlap', 'A time DST repeats (autumn)', f.overlap),
      field('activeHours[0].days', 'Active days', f.days, 'Leave the three active-hour fields empty to run at any time.'),
      field('activeHours[0].from', 'Active from', f.from, 'hh:mm, local time.'),
      field('activeHours[0].to', 'Active until', f.to, 'hh:mm; before "from" wraps past midnight.'),
      h('div', { class: 'field wide' }, field('blackouts', 'Blackouts (JSON, optional)', f.blackouts)),
      h('div', { class: 'field wide' }, field('job', 'Job (JSON)', f.job), jobStarters),
      h('div', { class: 'field check' }, f.enabled, h('label', { for: 'f-enabled' }, 'Enabled'))),
    zones,
    formError,
    h('section', { 'aria-labelledby': 'editor-preview-h' }, h('h3', { id: 'editor-preview-h' }, 'When it runs'), previewBox),
    h('div', { class: 'actions' }, save, h('a', { class: 'button-like', href: editing ? `#schedule/${encodeURIComponent(id)}` : '#upcoming' }, 'Cancel')));
  f.enabled.id = 'f-enabled';
  f.enabled.dataset.field = 'enabled';
  container.replaceChildren(h('h2', { class: 'view-title' }, editing ? 'Edit schedule' : 'New schedule'), form);

  for (const control of Object.values(f)) control.addEventListener('input', schedulePreview);
  f.kind.addEventListener('change', () => { showKind(); schedulePreview(); });
  showKind();

  function showKind() {
    cron.hidden = f.kind.value !== 'cron';
    presets.hidden = f.kind.value !== 'cron';
    interval.hidden = f.kind.value !== 'interval';
    at.hidden = f.kind.value !== 'at';
  }

  /** The definition the form describes: the original's other parts kept, the form's parts replaced. */
  function definition() {
    const d = { ...(original?.definition || {}) };
    for (const key of ['cron', 'interval', 'at', 'adaptive', 'jitter', 'activeHours', 'blackouts', 'description']) delete d[key];
    d.name = f.name.value.trim();
    if (f.description.value.trim()) d.description = f.description.value.trim();
    const trigger = f.kind.value;
    if (trigger === 'cron') d.cron = f.cron.value.trim();
    if (trigger === 'interval') d.interval = f.interval.value.trim();
    if (trigger === 'at') d.at = f.at.value.trim();
    d.timeZone = f.timeZone.value.trim() || 'UTC';
    if (f.jitter.value.trim()) d.jitter = f.jitter.value.trim();
    if (trigger === 'cron') d.dst = { gap: f.gap.value, overlap: f.overlap.value };
    else delete d.dst;
    if (f.days.value.trim() || f.from.value.trim() || f.to.value.trim()) {
      const days = f.days.value.split(',').map((x) => x.trim()).filter(Boolean);
      d.activeHours = [{ ...(days.length ? { days } : {}), from: f.from.value.trim(), to: f.to.value.trim() }];
    }
    d.blackouts = parseJson(f.blackouts, 'blackouts', true);
    if (d.blackouts === undefined) delete d.blackouts;
    d.job = parseJson(f.job, 'job', false);
    d.enabled = f.enabled.checked;
    return d;
  }

  /** A JSON field's value; a syntax error is shown at the field and thrown so nothing is sent. */
  function parseJson(control, name, optional) {
    const text = control.value.trim();
    if (!text && optional) return undefined;
    try {
      return JSON.parse(text);
    } catch (e) {
      const error = new Error(`${name} is not valid JSON: ${e.message}`);
      error.fieldErrors = { [name]: [`Not valid JSON: ${e.message}`] };
      throw error;
    }
  }

  function clearErrors() {
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    formError.textContent = '';
  }

  /** Shows each of the API's field errors at its field (the closest one by path: job.phases[0].name at "job"), the rest above the buttons. */
  function showErrors(errors, general) {
    clearErrors();
    const unplaced = [];
    for (const [name, messages] of Object.entries(errors || {})) {
      const text = [].concat(messages).join(' ');
      const control = controlFor(name);
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        const box = document.getElementById(`${control.id}-error`);
        box.textContent = box.textContent ? `${box.textContent} ${text}` : (name === control.dataset.field ? text : `${name}: ${text}`);
      } else {
        unplaced.push(`${name}: ${text}`);
      }
    }
    formError.textContent = [general, ...unplaced].filter(Boolean).join(' ');
  }

  function controlFor(name) {
    const key = name.replace(/^\$\.?/, '');
    const visible = (el) => el && !el.closest('[hidden]');
    let candidate = key;
    while (candidate) {
      const el = form.querySelector(`[data-field="${CSS.escape(candidate)}"]`);
      if (visible(el)) return el;
      const cut = Math.max(candidate.lastIndexOf('.'), candidate.lastIndexOf('['));
      candidate = cut > 0 ? candidate.slice(0, cut) : '';
    }
    // The trigger's errors may name the trigger rather than the field: put them at the one shown.
    if (/^(trigger|cron|interval|at)$/i.test(key)) return f[f.kind.value];
    return null;
  }

  function schedulePreview() {
    if (!loaded) return;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_DELAY_MS);
  }

  async function preview() {
    const seq = ++previewSeq;
    let d;
    try {
      d = definition();
    } catch (e) {
      showErrors(e.fieldErrors, '');
      return;
    }
    const needsName = !d.name;
    if (needsName) d.name = 'preview';
    try {
      const result = await post(`/schedules/preview?count=${PREVIEW_COUNT}${editing ? `&id=${seg(id)}` : ''}`, d);
      if (seq !== previewSeq) return;
      clearErrors();
      previewBox.replaceChildren(
        h('p', { id: 'editor-description' }, h('strong', {}, result.description || 'This trigger'), (result.description || '').includes(result.timeZone) ? '' : ` — in ${result.timeZone}`),
        // Jitter derives from the schedule's id, which a new schedule gets only when it is created.
        d.jitter && !editing ? h('p', { class: 'note', id: 'editor-jitter' }, `With jitter: each start moves by up to ${timespan(d.jitter)}, by an amount fixed once the schedule has its id.`) : null,
        result.dst ? h('p', { class: 'meta', id: 'editor-dst' }, `DST policy: gap ${result.dst.gap}, overlap ${result.dst.overlap}`) : null,
        h('ol', { class: 'preview' }, result.items.map((item) => h('li', { class: item.runs ? null : 'skipped' },
          local(item.local, result.timeZone), h('span', { class: 'meta' }, ` ${utc(item.utc)}`),
          item.runs ? null : h('span', { class: 'note' }, ` will not run: ${item.skippedBecause || 'skipped'}`),
          item.note ? h('span', { class: 'note' }, ` ${item.note}`) : null,
          item.jitter ? h('span', { class: 'note' }, ` jitter ${timespan(item.jitter)}`) : null))));
    } catch (e) {
      if (seq !== previewSeq) return;
      if (e.status === 400) {
        const errors = { ...e.errors };
        if (needsName) delete errors.name;
        showErrors(errors, Object.keys(errors).length ? '' : problemText(e));
        previewBox.replaceChildren(h('p', { class: 'meta' }, 'Fix the fields marked above to see when it runs.'));
      } else {
        ui.showError(e);
      }
    }
  }

  async function submit(overwrite = false) {
    clearTimeout(previewTimer);
    let d;
    try {
      d = definition();
    } catch (e) {
      showErrors(e.fieldErrors, 'Nothing was saved.');
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    save.disabled = true;
    try {
      let etag = original?.etag;
      if (overwrite) etag = (await get(`/schedules/${seg(id)}`)).etag;
      const saved = editing
        ? await put(`/schedules/${seg(id)}`, d, { ifMatch: etag })
        : await post('/schedules', d);
      clearErrors();
      conflict.hidden = true;
      ui.navigate(`#schedule/${encodeURIComponent(saved.id)}`, editing ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
    } catch (e) {
      if (e.status === 412) {
        showConflict();
      } else if (e.status === 400) {
        showErrors(e.errors, Object.keys(e.errors || {}).length ? 'Nothing was saved: fix the fields marked.' : problemText(e));
        form.querySelector('[aria-invalid="true"]')?.focus();
      } else {
        ui.showError(e);
      }
    } finally {
      save.disabled = false;
    }
  }

  /** 412: someone saved this schedule after it was opened here. Say so, keep the edits, and let the user choose. */
  function showConflict() {
    conflict.className = 'conflict';
    conflict.replaceChildren(
      h('p', {}, h('strong', {}, 'Changed by someone else. '),
        'This schedule was saved by someone else after you opened it, so your changes were not saved (they are still in the form). ',
        'Load their version to start again from it, or save yours over theirs.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', on: { click: () => { conflict.hidden = true; load(true); } } }, 'Load their version'),
        h('button', { type: 'button', class: 'danger', on: { click: () => submit(true) } }, 'Save mine over theirs')));
    conflict.hidden = false;
    conflict.querySelector('button').focus();
  }

  function fill(d) {
    f.name.value = d.name || '';
    f.description.value = d.description || '';
    f.kind.value = d.interval ? 'interval' : d.at ? 'at' : 'cron';
    f.cron.value = d.cron || '';
    f.interval.value = d.interval || '';
    f.at.value = d.at || '';
    f.timeZone.value = d.timeZone || 'UTC';
    f.jitter.value = d.jitter || '';
    f.gap.value = d.dst?.gap || 'atTransition';
    f.overlap.value = d.dst?.overlap || 'auto';
    const w = d.activeHours?.[0];
    f.days.value = w?.days ? [].concat(w.days).join(', ') : '';
    f.from.value = w?.from || '';
    f.to.value = w?.to || '';
    f.blackouts.value = d.blackouts?.length ? JSON.stringify(d.blackouts, null, 2) : '';
    f.job.value = JSON.stringify(d.job || JOBS.simulated.job, null, 2);
    f.enabled.checked = d.enabled !== false;
    showKind();
  }

  async function load(again = false) {
    if (editing) {
      original = await get(`/schedules/${seg(id)}`);
      if ((original.definition?.activeHours?.length || 0) > 1) {
        formError.textContent = 'This schedule has more than one active-hours window; the form shows the first, and saving keeps only the ones shown.';
      }
      fill(original.definition);
    } else {
      fill({ timeZone: 'UTC', cron: '0 9 * * *', job: JOBS.simulated.job });
    }
    loaded = true;
    if (!again) {
      const list = await get('/presets').catch(() => null);
      presets.replaceChildren(h('span', { class: 'meta' }, 'Presets: '), ...(list?.items || []).map((p) => h('button', {
        type: 'button', title: p.description, dataset: { preset: p.id },
        on: { click: () => { f.kind.value = 'cron'; f.cron.value = p.cron; showKind(); schedulePreview(); f.cron.focus(); } },
      }, p.title)));
    }
    preview();
  }

  return {
    async refresh() {
      if (!can(editing ? 'UpdateSchedule' : 'CreateSchedule')) {
        container.replaceChildren(h('h2', { class: 'view-title' }, editing ? 'Edit schedule' : 'New schedule'),
          h('p', { class: 'empty' }, 'Your role may not change schedules: ask an admin of your tenant.'));
        return;
      }
      // Loaded once: a refresh every few seconds must not overwrite what the user is typing.
      if (!loaded) await load();
    },
    dispose: () => clearTimeout(previewTimer),
  };
}
