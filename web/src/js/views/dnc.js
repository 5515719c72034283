// The tenant's Do-Not-Call list: add numbers, remove one, page through, and search (the server
// finds the numbers that contain the digits typed: GET /v1/dnc?search=).

import {h, replace, table, field, section} from '../dom.js';
import {api} from '../api.js';
import * as fmt from '../format.js';
import {errorBox, handleSubmit} from '../errors.js';

const PAGE_SIZE = 50;

export async function dncView(page) {
  document.title = 'Do-Not-Call · Talky';
  const status = h('div', {class: 'status-line', role: 'status'});
  const listError = h('div');
  const slot = h('div', {class: 'table-slot'}, h('p', {class: 'loading'}, 'Loading…'));
  const more = h('button', {type: 'button', class: 'btn btn-secondary', hidden: true}, 'Load more');
  const heading = h('h2', {id: 'dnc-list-heading'}, 'Numbers on the list');
  let items = [];
  let after = null;
  let searching = '';

  // One page of the list, or of the numbers containing `searching`; `append` adds the next page.
  async function load(append = false) {
    replace(listError);
    heading.textContent = searching ? `Numbers containing “${searching}”` : 'Numbers on the list';
    try {
      const pageOf = await api('/v1/dnc', {query: {
        limit: PAGE_SIZE, after: append ? after : undefined, search: searching || undefined}});
      items = append ? items.concat(pageOf.items) : pageOf.items;
      after = pageOf.next;
      more.hidden = !after;
      draw();
    } catch (err) {
      replace(listError, errorBox(err, {title: 'Could not load the list'}));
    }
  }
  more.addEventListener('click', () => load(true));

  function draw() {
    replace(slot, table({
      caption: 'Do-Not-Call numbers',
      columns: ['Number', 'Added', ''],
      empty: searching ? `No number on the list contains “${searching}”.` : 'The list is empty.',
      rows: items.map((entry) => h('tr', {dataset: {phone: entry.phone_number}},
        h('td', {class: 'mono'}, entry.phone_number),
        h('td', {}, fmt.instant(entry.added_at)),
        h('td', {}, h('button', {type: 'button', class: 'btn btn-small btn-danger',
          'aria-label': `Remove ${entry.phone_number}`,
          onclick: () => remove(entry.phone_number)}, 'Remove')))),
    }));
  }

  async function remove(number) {
    replace(listError);
    try {
      await api('/v1/dnc', {method: 'DELETE', query: {phone_number: number}});
      status.textContent = `${number} was removed from the list: it may be called again.`;
      items = items.filter((e) => e.phone_number !== number);
      draw();
    } catch (err) {
      replace(listError, errorBox(err, {title: `Could not remove ${number}`}));
    }
  }

  // Add: one number per line (or separated by commas); the API checks them all first.
  const addSummary = h('div', {class: 'alert alert-error', role: 'alert', hidden: true, tabindex: '-1'});
  const addForm = h('form', {class: 'stack', novalidate: true},
    field({label: 'Phone numbers', field: 'phone_numbers',
      hint: 'One per line; national numbers are read in the tenant’s default region.',
      control: h('textarea', {name: 'numbers', rows: 4, spellcheck: 'false'})}),
    addSummary,
    h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'btn btn-primary'}, 'Add to the list')));
  handleSubmit(addForm, {
    summary: addSummary,
    busyText: 'Adding…',
    action: (form) => {
      const numbers = form.elements.numbers.value.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean);
      return api('/v1/dnc', {method: 'POST', json: {phone_numbers: numbers}});
    },
    done: (answer) => {
      status.textContent = `Added ${answer.phone_numbers.length} number(s): ${answer.phone_numbers.join(', ')}.`;
      addForm.reset();
      load();
    },
  });

  // Search
  const query = h('input', {type: 'search', name: 'q', inputmode: 'tel', autocomplete: 'off'});
  const searchForm = h('form', {class: 'inline-form', role: 'search', 'aria-label': 'Search the list'},
    field({label: 'Find numbers containing', control: query}),
    h('div', {class: 'form-actions'},
      h('button', {type: 'submit', class: 'btn btn-secondary'}, 'Search'),
      h('button', {type: 'button', class: 'btn btn-quiet',
        onclick: () => { query.value = ''; searching = ''; load(); }}, 'Show all')));
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    searching = query.value.replace(/\D/g, '');
    load();
  });

  page.append(
    h('div', {class: 'page-head'}, h('h1', {}, 'Do-Not-Call list')),
    h('p', {class: 'lede muted'}, 'Numbers here are never dialed by this tenant’s campaigns. Callees who say “stop calling me” are added automatically.'),
    status,
    h('div', {class: 'grid-2'},
      section('Add numbers', addForm),
      h('section', {class: 'card', 'aria-labelledby': 'dnc-list-heading'},
        heading, searchForm, listError, slot, more)));
  await load();
  return undefined;
}
