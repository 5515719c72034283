// Every call to the Talky REST API goes through here.
//
// The session cookie (HttpOnly, set by POST /v1/session) authenticates us; the key itself is
// never kept by this page. Requests other than GET carry X-Talky-Dashboard: 1, the server's CSRF
// guard for cookie-authenticated requests.

export class ApiError extends Error {
  constructor(status, body, fallback) {
    const error = body && typeof body === 'object' ? body.error : null;
    super(error?.message || fallback || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? null;
    this.fields = Array.isArray(error?.fields) ? error.fields : [];
    this.fieldsTotal = error?.fields_total ?? this.fields.length;
  }
}

// Listeners told when the API says our session is gone (401), so the app can show the login.
const unauthenticatedListeners = new Set();
export function onUnauthenticated(listener) {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

// api('/v1/calls', {query: {limit: 50}}), api('/v1/dnc', {method: 'POST', json: {...}}),
// api('/v1/campaigns/x/leads', {method: 'POST', body: csvText, contentType: 'text/csv'}).
// Resolves with the parsed JSON (null for 204), rejects with ApiError.
export async function api(path, {method = 'GET', query, json, body, contentType, signal,
  quiet401 = false} = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = {Accept: 'application/json'};
  if (method !== 'GET' && method !== 'HEAD') headers['X-Talky-Dashboard'] = '1';
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (body !== undefined && contentType) {
    headers['Content-Type'] = contentType;
  }

  let response;
  try {
    response = await fetch(url, {method, headers, body, credentials: 'same-origin', signal});
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, null, 'The server could not be reached. Check that talky serve is running.');
  }

  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  let data = null;
  if (type.includes('json')) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data, response.statusText);
    if (response.status === 401 && !quiet401) {
      for (const listener of unauthenticatedListeners) listener(error);
    }
    throw error;
  }
  return data;
}

// Every page of a list, for small lists (campaign names in a filter).
export async function listAll(path, query = {}, maxPages = 20) {
  const items = [];
  let after;
  for (let i = 0; i < maxPages; i += 1) {
    const page = await api(path, {query: {...query, limit: 1000, after}});
    items.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return items;
}
