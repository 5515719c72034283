// The hash router: "#/calls/abc?outcome=busy" -> the view registered for "/calls/:id" with
// params {id: 'abc'} and query URLSearchParams('outcome=busy').
//
// A view is `async (main, {params, query}) => cleanup?`; the cleanup runs when the user leaves
// the page, so live streams and charts stop with it.

const routes = [];
let cleanup = null;
let renderToken = 0;

export function route(pattern, view) {
  const names = [];
  const source = pattern.replace(/:([a-z_]+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  routes.push({regex: new RegExp(`^${source}$`), names, view});
}

export function currentPath() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  return {path, query: new URLSearchParams(search)};
}

// `replace` for redirects, so the back button does not land on the page that redirected.
export function navigate(path, {replace = false} = {}) {
  if (window.location.hash === `#${path}`) render();
  else if (replace) window.location.replace(`#${path}`);
  else window.location.hash = path;
}

// Builds "#/calls?outcome=busy" from a path and the non-empty entries of an object.
export function href(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, value);
  }
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

let fallback = null;
let guard = null;
export function setFallback(view) { fallback = view; }
// A guard may answer another view (the login form) instead of the route's.
export function setGuard(fn) { guard = fn; }

export async function render() {
  const token = ++renderToken;
  if (cleanup) {
    try { cleanup(); } catch (err) { console.error(err); }
    cleanup = null;
  }
  const main = document.getElementById('main');
  const {path, query} = currentPath();
  let view = fallback;
  let params = {};
  for (const r of routes) {
    const m = path.match(r.regex);
    if (m) {
      view = r.view;
      params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      break;
    }
  }
  if (guard) view = guard(path, view) ?? view;
  // Each render gets its own container: a slow page that finishes after the user moved on
  // writes into a detached node, never over the new page.
  const page = document.createElement('div');
  page.className = 'page';
  main.replaceChildren(page);
  main.setAttribute('aria-busy', 'true');
  let result;
  try {
    result = await view(page, {params, query, path, isCurrent: () => token === renderToken});
  } catch (err) {
    console.error(err);
    const p = document.createElement('p');
    p.className = 'alert alert-error';
    p.setAttribute('role', 'alert');
    p.textContent = `This page failed: ${err.message}`;
    page.append(p);
  }
  if (token !== renderToken) {
    // The user moved on while this page loaded: stop what it started.
    if (typeof result === 'function') result();
    return;
  }
  main.removeAttribute('aria-busy');
  cleanup = typeof result === 'function' ? result : null;
  highlightNav(path);
}

function highlightNav(path) {
  for (const link of document.querySelectorAll('#mainnav a')) {
    const target = link.getAttribute('href').replace(/^#/, '');
    const active = path === target || path.startsWith(`${target}/`);
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

export function start() {
  window.addEventListener('hashchange', () => {
    render();
    // After navigation, move focus to the page so screen readers and keyboards start there.
    document.getElementById('main').focus({preventScroll: true});
    window.scrollTo(0, 0);
  });
  return render();
}
