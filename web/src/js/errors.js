// Showing the API's errors: a summary with role="alert", and each field error next to the form
// control it names (matched by the control's data-field, e.g. "time_window_start" or
// "allowed_days" for "allowed_days[2]").

import {h, replace} from './dom.js';

// The error summary: the message, then every named field and its message as a list.
export function errorBox(err, {title} = {}) {
  const box = h('div', {class: 'alert alert-error', role: 'alert'});
  fillErrorBox(box, err, {title});
  return box;
}

export function fillErrorBox(box, err, {title, fields = err.fields} = {}) {
  const items = (fields ?? []).map((f) =>
    h('li', {dataset: {field: f.field}},
      f.field ? h('code', {class: 'field-name'}, f.field) : null,
      f.field ? ' ' : null,
      h('span', {}, f.message)));
  const more = err.fieldsTotal > (err.fields?.length ?? 0)
    ? h('p', {}, `…and ${err.fieldsTotal - err.fields.length} more problems.`) : null;
  replace(box,
    h('p', {class: 'alert-title'}, title ? `${title}: ` : '', err.message),
    items.length ? h('ul', {class: 'error-list'}, items) : null,
    more);
  box.hidden = false;
  return box;
}

// The top-level name a field error points at: "allowed_days[2]" -> "allowed_days",
// "retry.delay" -> "retry".
function rootName(name) {
  return String(name ?? '').split(/[.[]/)[0];
}

// Puts each field error under its control inside `form`; returns the errors no control took.
export function showFieldErrors(form, err) {
  clearFieldErrors(form);
  const unplaced = [];
  for (const f of err.fields ?? []) {
    const wrap = form.querySelector(`[data-field="${CSS.escape(f.field)}"]`) ||
      form.querySelector(`[data-field="${CSS.escape(rootName(f.field))}"]`);
    const slot = wrap?.querySelector('.field-error');
    if (!slot) {
      unplaced.push(f);
      continue;
    }
    slot.hidden = false;
    slot.append(h('span', {}, f.field === rootName(f.field) ? f.message : `${f.field}: ${f.message}`));
    for (const control of wrap.querySelectorAll('input, select, textarea')) {
      control.setAttribute('aria-invalid', 'true');
    }
  }
  return unplaced;
}

export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll('.field-error')) {
    slot.replaceChildren();
    slot.hidden = true;
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
  }
}

// A form's submit handling: a status line, errors placed next to fields, the rest in a summary.
// `action` gets the form and returns a promise; its resolved value goes to `done`.
export function handleSubmit(form, {summary, action, done, busyText = 'Saving…'}) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    const text = button?.textContent;
    if (button) {
      button.disabled = true;
      button.textContent = busyText;
    }
    summary.hidden = true;
    clearFieldErrors(form);
    try {
      const result = await action(form);
      if (done) await done(result);
    } catch (err) {
      if (err.name === 'AbortError') return;
      const unplaced = showFieldErrors(form, err);
      fillErrorBox(summary, err, {fields: err.fields?.length ? err.fields : unplaced});
      // Put focus on the first bad control so keyboard users land where the problem is.
      const invalid = form.querySelector('[aria-invalid="true"]');
      (invalid ?? summary).focus?.();
    } finally {
      if (button) {
        button.disabled = false;
        button.textContent = text;
      }
    }
  });
}
