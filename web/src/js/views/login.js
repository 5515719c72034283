// The login form. The key is posted once to /v1/session, which answers with an HttpOnly cookie;
// the input is cleared right after, so the key stays nowhere in the page.

import {h, field} from '../dom.js';
import * as auth from '../session.js';

export async function loginView(page) {
  document.title = 'Log in · Talky';
  const input = h('input', {type: 'password', name: 'api_key', autocomplete: 'current-password',
    required: true, spellcheck: 'false'});
  const error = h('div', {class: 'alert alert-error', role: 'alert', hidden: true, tabindex: '-1'});
  const button = h('button', {type: 'submit', class: 'btn btn-primary btn-block'}, 'Log in');
  const form = h('form', {class: 'login-form', novalidate: true},
    field({label: 'API key', control: input,
      hint: 'A tenant key shows its campaigns; the admin key manages tenants.'}),
    error,
    button);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    error.hidden = true;
    if (!key) {
      error.textContent = 'Enter an API key.';
      error.hidden = false;
      input.focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Logging in…';
    try {
      input.value = '';
      await auth.login(key); // redraws the page on success
    } catch (err) {
      error.textContent = err.status === 401
        ? `That key was not accepted: ${err.message}`
        : err.message;
      error.hidden = false;
      input.focus();
    } finally {
      button.disabled = false;
      button.textContent = 'Log in';
    }
  });

  page.append(h('div', {class: 'login'},
    h('div', {class: 'login-card card'},
      h('h1', {}, 'Talky dashboard'),
      h('p', {class: 'muted'}, 'Outbound voice campaigns, live.'),
      form)));
  input.focus();
}
