// The tenant's calling rules (GET/PUT /v1/calling-rules) as a form. On 400 the API names each
// bad field and its message appears under that field. See docs/calling-rules.md.

import {h, replace, field, section, uid} from '../dom.js';
import {api} from '../api.js';
import {errorBox, handleSubmit} from '../errors.js';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix',
  'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu', 'America/Toronto',
  'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Asia/Tokyo', 'Australia/Sydney', 'UTC'];
// Fields the form edits as whole numbers, with the API's ranges as hints.
const NUMBERS = [
  ['max_concurrent_calls', 'Concurrent calls', '1 to 100, for the whole tenant.'],
  ['retry_delay_seconds', 'Retry delay (seconds)', '1800 to 86400.'],
  ['max_retry_attempts', 'Attempts per lead', '1 to 5.'],
  ['min_hours_between_calls', 'Hours between calls to a lead', '1 to 24.'],
  ['high_priority_threshold', 'Priority lane threshold', 'Leads at or above this priority (1 to 10) go first.'],
];
const LISTS = [
  ['retryable_outcomes', 'Outcomes retried'],
  ['non_retryable_outcomes', 'Outcomes never retried'],
  ['goal_outcomes', 'Outcomes that reach the goal'],
];

export async function rulesView(page) {
  document.title = 'Calling rules · Talky';
  page.append(h('div', {class: 'page-head'}, h('h1', {}, 'Calling rules')),
    h('p', {class: 'lede muted'},
      'When this tenant’s calls may go out and how they are retried. The legal floor (08:00–21:00 in the callee’s time, stricter in some states) applies whatever the window says.'));
  let rules;
  try {
    rules = await api('/v1/calling-rules');
  } catch (err) {
    page.append(errorBox(err, {title: 'Could not load the calling rules'}));
    return undefined;
  }
  const status = h('div', {class: 'status-line', role: 'status'});
  const summary = h('div', {class: 'alert alert-error', role: 'alert', hidden: true, tabindex: '-1'});
  const form = h('form', {novalidate: true, class: 'rules-form'});
  draw(form, rules, summary);
  handleSubmit(form, {
    summary,
    action: (f) => api('/v1/calling-rules', {method: 'PUT', json: read(f, rules)}),
    done: (stored) => {
      rules = stored;
      draw(form, rules, summary);
      status.textContent = 'Saved. The workers use these rules from their next call.';
    },
  });
  page.append(status, form);
  return undefined;
}

function draw(form, rules, summary) {
  const text = (name, value, attrs = {}) => h('input', {name, value: value ?? '', ...attrs});
  const zoneList = uid('zones');
  const daysId = uid('days');
  replace(form,
    section('Calling window',
      h('div', {class: 'form-grid'},
        field({label: 'Window opens', field: 'time_window_start', hint: 'HH:MM, tenant time.',
          control: text('time_window_start', rules.time_window_start, {inputmode: 'numeric', placeholder: '09:00'})}),
        field({label: 'Window closes', field: 'time_window_end', hint: 'Exclusive; before the start crosses midnight.',
          control: text('time_window_end', rules.time_window_end, {inputmode: 'numeric', placeholder: '19:00'})}),
        field({label: 'Time zone', field: 'timezone', hint: 'IANA name.',
          control: text('timezone', rules.timezone, {list: zoneList, autocomplete: 'off'})}),
        h('datalist', {id: zoneList}, ZONES.map((z) => h('option', {value: z})))),
      h('fieldset', {class: 'days field', dataset: {field: 'allowed_days'}, 'aria-describedby': `${daysId}-error`},
        h('legend', {}, 'Days'),
        h('div', {class: 'checks'},
          DAYS.map((day, i) => {
            const id = `${daysId}-${i}`;
            return h('span', {class: 'check'},
              h('input', {type: 'checkbox', id, name: 'allowed_days', value: String(i),
                checked: (rules.allowed_days ?? []).includes(i)}),
              h('label', {for: id}, day));
          })),
        h('p', {class: 'field-error', id: `${daysId}-error`, hidden: true}))),
    section('Retries and pacing',
      h('div', {class: 'form-grid'},
        NUMBERS.map(([name, label, hint]) => field({label, field: name, hint,
          control: h('input', {type: 'number', name, value: rules[name] ?? '', inputmode: 'numeric'})})),
        field({label: 'Caller id', field: 'caller_id', hint: 'E.164; empty for the provider’s default.',
          control: text('caller_id', rules.caller_id, {inputmode: 'tel'})})),
      h('div', {class: 'form-grid'},
        checkbox('enable_priority_override', 'Priority lane for high-priority leads', rules.enable_priority_override),
        checkbox('skip_dnc', 'Skip numbers on the Do-Not-Call list', rules.skip_dnc,
          'The tenant’s own list is always honoured (a legal duty).'))),
    section('Outcomes',
      h('div', {class: 'form-stack'},
        LISTS.map(([name, label]) => field({label, field: name, hint: 'Comma-separated outcome names.',
          control: text(name, (rules[name] ?? []).join(', '), {autocomplete: 'off', spellcheck: 'false'})})))),
    summary,
    h('div', {class: 'form-actions sticky-actions'},
      h('button', {type: 'submit', class: 'btn btn-primary'}, 'Save rules'),
      h('button', {type: 'reset', class: 'btn btn-quiet'}, 'Undo changes')));
}

function checkbox(name, label, checked, hint) {
  const id = uid('c');
  return h('div', {class: 'field field-check', dataset: {field: name}},
    h('input', {type: 'checkbox', id, name, checked: Boolean(checked), 'aria-describedby': `${id}-error`}),
    h('label', {for: id}, label),
    hint ? h('p', {class: 'hint'}, hint) : null,
    h('p', {class: 'field-error', id: `${id}-error`, hidden: true}));
}

// The form's values over the stored rules, so fields this form does not show are kept.
function read(form, base) {
  const f = form.elements;
  const rules = {...base};
  rules.time_window_start = f.time_window_start.value.trim();
  rules.time_window_end = f.time_window_end.value.trim();
  rules.timezone = f.timezone.value.trim();
  rules.allowed_days = [...form.querySelectorAll('input[name="allowed_days"]:checked')].map((c) => Number(c.value));
  for (const [name] of NUMBERS) {
    const raw = f[name].value.trim();
    if (raw === '') delete rules[name]; // the API's default
    else rules[name] = Number.isFinite(Number(raw)) ? Number(raw) : raw; // let the API name it
  }
  const caller = f.caller_id.value.trim();
  rules.caller_id = caller === '' ? null : caller;
  rules.enable_priority_override = f.enable_priority_override.checked;
  rules.skip_dnc = f.skip_dnc.checked;
  for (const [name] of LISTS) {
    rules[name] = f[name].value.split(',').map((s) => s.trim()).filter(Boolean);
  }
  return rules;
}
