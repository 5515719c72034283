// Building DOM nodes without innerHTML, so text from the API can never become markup.

// h('a', {href: '#/x', class: 'link', onclick: fn}, 'text', child, [more, children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' || key === 'checked') {
      // The default too (so form.reset() comes back to it), then the live property.
      if (key === 'checked') el.defaultChecked = Boolean(value);
      else if (tag !== 'select') el.defaultValue = String(value);
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces an element's children.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// Ids for label/aria-describedby pairs.
let counter = 0;
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled form control: the label's `for` points at the control, and a slot under it
// receives the field's error from the API (aria-describedby keeps the two together for readers).
export function field({label, control, hint, field: fieldName}) {
  const id = control.id || uid('f');
  control.id = id;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const described = [hintId, errorId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const wrap = h('div', {class: 'field', dataset: fieldName ? {field: fieldName} : {}},
    h('label', {for: id}, label),
    control,
    hint ? h('p', {class: 'hint', id: hintId}, hint) : null,
    h('p', {class: 'field-error', id: errorId, hidden: true}));
  return wrap;
}

// A table inside a scroller, so wide tables scroll sideways on a phone instead of the page.
export function table({caption, columns, rows, empty = 'Nothing yet.', className = ''}) {
  const body = h('tbody');
  if (rows.length === 0) {
    body.append(h('tr', {}, h('td', {colspan: columns.length, class: 'empty'}, empty)));
  }
  for (const row of rows) body.append(row);
  return h('div', {class: `table-wrap ${className}`, tabindex: '0', role: 'region',
    'aria-label': caption},
    h('table', {},
      h('caption', {class: 'visually-hidden'}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col'}, c)))),
      body));
}

// A card section with a heading, used on every page.
export function section(title, ...children) {
  const id = uid('s');
  return h('section', {class: 'card', 'aria-labelledby': id},
    h('h2', {id}, title), ...children);
}
