// The dashboard's entry point: decides between the login form and the dashboard, draws the
// header for who is logged in, and registers the pages.

import {h, replace} from './dom.js';
import {onUnauthenticated} from './api.js';
import * as auth from './session.js';
import {route, render, setFallback, setGuard, start, navigate, currentPath} from './router.js';
import {loginView} from './views/login.js';
import {campaignsView} from './views/campaigns.js';
import {campaignView} from './views/campaign.js';
import {callsView} from './views/calls.js';
import {callView} from './views/call.js';
import {dncView} from './views/dnc.js';
import {rulesView} from './views/rules.js';
import {tenantsView} from './views/tenants.js';
import {notFoundView} from './views/not-found.js';

const TENANT_NAV = [
  ['/campaigns', 'Campaigns'],
  ['/calls', 'Calls'],
  ['/dnc', 'Do-Not-Call'],
  ['/rules', 'Calling rules'],
];
const ADMIN_NAV = [['/tenants', 'Tenants']];

function homeFor(s) {
  return s?.admin ? '/tenants' : '/campaigns';
}

function drawHeader(s) {
  const nav = document.getElementById('mainnav');
  const box = document.getElementById('session');
  if (!s) {
    nav.hidden = true;
    box.hidden = true;
    nav.replaceChildren();
    return;
  }
  const items = s.admin ? ADMIN_NAV : TENANT_NAV;
  replace(nav, h('ul', {}, items.map(([path, text]) => h('li', {}, h('a', {href: `#${path}`}, text)))));
  nav.hidden = false;
  replace(document.getElementById('session-who'),
    s.admin ? h('span', {class: 'badge badge-admin'}, 'Admin') : null,
    s.tenant ? h('span', {class: 'tenant-name', title: `Tenant ${s.tenant.id}`}, s.tenant.name) : null);
  box.hidden = false;
}

function isAdminPath(path) {
  return path === '/tenants' || path.startsWith('/tenants/');
}

// Whether this session may open this page: tenant pages need a tenant key, the tenants page
// the admin key.
function allowed(s, path) {
  return Boolean(s) && (isAdminPath(path) ? s.admin : Boolean(s.tenant));
}

function guard(path) {
  const s = auth.session();
  if (!s) return loginView;
  if (path === '/' || path === '') return null;
  return allowed(s, path) ? null : notFoundView;
}

async function boot() {
  route('/', async () => {
    navigate(homeFor(auth.session()), {replace: true});
  });
  route('/campaigns', campaignsView);
  route('/campaigns/:id', campaignView);
  route('/calls', callsView);
  route('/calls/:id', callView);
  route('/dnc', dncView);
  route('/rules', rulesView);
  route('/tenants', tenantsView);
  setFallback(notFoundView);
  setGuard(guard);

  onUnauthenticated(() => auth.expire());
  document.getElementById('logout').addEventListener('click', () => auth.logout());
  // The skip link moves focus without touching the hash, which belongs to the router.
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });

  let s;
  try {
    s = await auth.restore();
  } catch (err) {
    replace(document.getElementById('main'),
      h('p', {class: 'alert alert-error', role: 'alert'}, `Could not reach the server: ${err.message}`));
    return;
  }
  drawHeader(s);

  // Logging in or out redraws the page; after a login, a page this key may not open (or none)
  // becomes its home page, so a deep link survives the login form.
  let previous = s;
  auth.onSessionChange((next) => {
    drawHeader(next);
    const changed = (previous === null) !== (next === null);
    previous = next;
    if (!changed) return;
    const {path} = currentPath();
    if (next && (path === '/' || !allowed(next, path))) navigate(homeFor(next), {replace: true});
    else render();
  });
  await start();
}

boot();
