// Tenants (admin key): the list, and a form that creates one and shows its API key once.

import {h, replace, table, field, section} from '../dom.js';
import {api, listAll} from '../api.js';
import * as fmt from '../format.js';
import {errorBox, handleSubmit} from '../errors.js';

export async function tenantsView(page) {
  document.title = 'Tenants · Talky';
  const slot = h('div', {class: 'table-slot'}, h('p', {class: 'loading'}, 'Loading tenants…'));
  const listError = h('div');
  const created = h('div', {role: 'status'});

  async function load() {
    replace(listError);
    try {
      const tenants = await listAll('/v1/tenants');
      // created_at is shown when the server sends it (the list's items may omit it).
      const withCreated = tenants.some((t) => t.created_at);
      const windowOf = (r) => (r?.time_window_start ? `${r.time_window_start}–${r.time_window_end} ${r.timezone ?? ''}` : '—');
      replace(slot, table({
        caption: 'Tenants',
        columns: ['Name', 'Default region', 'Calling window', ...(withCreated ? ['Created'] : []), 'Id'],
        empty: 'No tenants yet: create the first below.',
        rows: tenants.map((t) => h('tr', {dataset: {tenantId: t.id}},
          h('th', {scope: 'row'}, t.name),
          h('td', {}, t.default_region ?? '—'),
          h('td', {}, windowOf(t.calling_rules)),
          withCreated ? h('td', {}, fmt.instant(t.created_at)) : null,
          h('td', {class: 'mono small'}, t.id))),
      }));
    } catch (err) {
      replace(slot);
      replace(listError, errorBox(err, {title: 'Could not list the tenants'}));
    }
  }

  const summary = h('div', {class: 'alert alert-error', role: 'alert', hidden: true, tabindex: '-1'});
  const form = h('form', {class: 'form-grid', novalidate: true},
    field({label: 'Name', field: 'name', control: h('input', {name: 'name', required: true, autocomplete: 'organization'})}),
    field({label: 'Default region', field: 'default_region', hint: 'ISO 3166 code for numbers written without +, e.g. US or GB.',
      control: h('input', {name: 'default_region', value: 'US', maxlength: 2, autocomplete: 'off'})}),
    summary,
    h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'btn btn-primary'}, 'Create tenant')));
  handleSubmit(form, {
    summary,
    busyText: 'Creating…',
    action: (f) => {
      const body = {name: f.elements.name.value.trim()};
      const region = f.elements.default_region.value.trim();
      if (region) body.default_region = region.toUpperCase();
      return api('/v1/tenants', {method: 'POST', json: body});
    },
    done: (answer) => {
      form.reset();
      replace(created, newKeyNotice(answer));
      load();
    },
  });

  page.append(
    h('div', {class: 'page-head'}, h('h1', {}, 'Tenants')),
    created,
    h('div', {class: 'grid-2 grid-wide-first'},
      h('section', {class: 'card', 'aria-label': 'Tenant list'}, listError, slot),
      section('New tenant', form)));
  await load();
  return undefined;
}

// The key exists only in this answer (the server keeps its hash), so say so plainly.
function newKeyNotice(answer) {
  const key = h('code', {class: 'api-key'}, answer.api_key);
  const copy = h('button', {type: 'button', class: 'btn btn-small btn-secondary'}, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(answer.api_key);
      copy.textContent = 'Copied';
    } catch {
      window.getSelection().selectAllChildren(key);
      copy.textContent = 'Selected: press Ctrl+C';
    }
  });
  return h('div', {class: 'alert alert-ok key-notice'},
    h('p', {class: 'alert-title'}, `Tenant “${answer.tenant.name}” created. Its API key is shown only this once:`),
    h('p', {class: 'key-row'}, key, ' ', copy),
    h('p', {class: 'small'}, 'Give it to the tenant now; it cannot be shown again.'));
}
