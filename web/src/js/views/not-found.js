// Unknown pages, and pages this key may not open.

import {h} from '../dom.js';

export async function notFoundView(page) {
  document.title = 'Not found · Talky';
  page.append(notFoundPanel('Page not found', 'There is no such page here.'));
}

// Also used when the API answers 404 for a campaign or call id: unknown, or another tenant's.
export function notFoundPanel(title, message, detail) {
  return h('section', {class: 'card not-found', 'data-state': 'not-found'},
    h('h1', {}, title),
    h('p', {role: 'alert'}, message),
    detail ? h('p', {class: 'muted'}, detail) : null,
    h('p', {}, h('a', {href: '#/'}, 'Back to the dashboard')));
}
