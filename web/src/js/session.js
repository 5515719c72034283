// Who is logged in: {tenant: {id, name} | null, admin: bool}, or null when nobody is.
// The API key goes to POST /v1/session once and lives on only in the server's HttpOnly cookie.

import {api} from './api.js';

let current = null;
const listeners = new Set();

export function session() {
  return current;
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

function set(value) {
  current = value;
  for (const listener of listeners) listener(current);
}

// At page load: is the cookie still good?
export async function restore() {
  try {
    set(await api('/v1/session', {quiet401: true}));
  } catch (err) {
    if (err.status !== 401) throw err;
    set(null);
  }
  return current;
}

export async function login(apiKey) {
  const answer = await api('/v1/session', {method: 'POST', json: {api_key: apiKey}, quiet401: true});
  set(answer);
  return answer;
}

export async function logout() {
  try {
    await api('/v1/session', {method: 'DELETE', quiet401: true});
  } finally {
    set(null);
  }
}

// The session expired under us (a 401 from any route): back to the login form.
export function expire() {
  if (current !== null) set(null);
}
