// The calls table: filtered by outcome, campaign and a date range (GET /v1/calls with outcome,
// campaign_id, since, until), paged with `next`. The filters live in the URL, so a filtered
// view can be bookmarked and the browser's back button steps through pages.

import {h, replace, table, field} from '../dom.js';
import {api, listAll} from '../api.js';
import * as fmt from '../format.js';
import {fillErrorBox, showFieldErrors, clearFieldErrors} from '../errors.js';
import {href, navigate} from '../router.js';

const PAGE_SIZE = 50;

export async function callsView(page, {query}) {
  document.title = 'Calls · Talky';
  const filters = {
    outcome: query.get('outcome') ?? '',
    campaign_id: query.get('campaign_id') ?? '',
    since: query.get('since') ?? '',
    until: query.get('until') ?? '',
  };
  const after = query.get('after') ?? '';
  // The cursors of the pages before this one, so "Previous" can go back.
  const trail = (query.get('trail') ?? '').split(',').filter(Boolean).map(decodeURIComponent);

  const outcome = h('select', {name: 'outcome'},
    h('option', {value: ''}, 'Any outcome'),
    fmt.OUTCOMES.map((o) => h('option', {value: o}, fmt.label(o))));
  outcome.value = filters.outcome;
  const campaign = h('select', {name: 'campaign_id'}, h('option', {value: ''}, 'Any campaign'));
  const since = h('input', {type: 'datetime-local', name: 'since', value: fmt.isoToLocalInput(filters.since)});
  const until = h('input', {type: 'datetime-local', name: 'until', value: fmt.isoToLocalInput(filters.until)});
  const summary = h('div', {class: 'alert alert-error', role: 'alert', hidden: true, tabindex: '-1'});
  const form = h('form', {class: 'filters', novalidate: true, 'aria-label': 'Filter calls'},
    field({label: 'Outcome', control: outcome, field: 'outcome'}),
    field({label: 'Campaign', control: campaign, field: 'campaign_id'}),
    field({label: 'From (local time)', control: since, field: 'since'}),
    field({label: 'Until (local time)', control: until, field: 'until'}),
    h('div', {class: 'filter-actions'},
      h('button', {type: 'submit', class: 'btn btn-primary'}, 'Apply'),
      h('a', {class: 'btn btn-quiet', href: '#/calls'}, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(href('/calls', {
      outcome: outcome.value,
      campaign_id: campaign.value,
      since: fmt.localInputToIso(since.value),
      until: fmt.localInputToIso(until.value),
    }).slice(1));
  });

  const slot = h('div', {class: 'table-slot'}, h('p', {class: 'loading'}, 'Loading calls…'));
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages of calls'});
  const listCard = h('section', {class: 'card', 'aria-label': 'Call list'}, slot, pager);
  page.append(
    h('div', {class: 'page-head'}, h('h1', {}, 'Calls')),
    h('section', {class: 'card'}, form, summary),
    listCard);

  // Campaign names for the filter and the table; the list of calls does not wait for them.
  const names = new Map();
  const namesLoaded = listAll('/v1/campaigns').then((items) => {
    for (const c of items) {
      names.set(c.id, c.name);
      campaign.append(h('option', {value: c.id}, c.name));
    }
  }).catch(() => {}).finally(() => {
    if (filters.campaign_id && !names.has(filters.campaign_id)) {
      campaign.append(h('option', {value: filters.campaign_id}, filters.campaign_id));
    }
    campaign.value = filters.campaign_id;
  });

  let calls;
  try {
    calls = await api('/v1/calls', {query: {...filters, limit: PAGE_SIZE, after}});
  } catch (err) {
    listCard.hidden = true;
    clearFieldErrors(form);
    showFieldErrors(form, err);
    fillErrorBox(summary, err, {title: 'Could not list the calls'});
    return undefined;
  }
  await namesLoaded;

  const rows = calls.items.map((c) => h('tr', {dataset: {callId: c.id}},
    h('td', {}, h('a', {href: `#/calls/${encodeURIComponent(c.id)}`}, fmt.instant(c.created_at))),
    h('td', {class: 'mono'}, c.to_number ?? '—'),
    h('td', {}, h('a', {href: `#/campaigns/${encodeURIComponent(c.campaign_id)}`}, names.get(c.campaign_id) ?? c.campaign_id)),
    h('td', {class: 'num'}, String(c.attempt ?? '—')),
    h('td', {}, fmt.label(c.status)),
    h('td', {}, c.outcome ? h('span', {class: `badge outcome-${c.outcome}`}, fmt.label(c.outcome)) : h('span', {class: 'muted'}, 'In progress')),
    h('td', {class: 'num'}, fmt.seconds(c.duration_seconds))));
  replace(slot, table({
    caption: 'Calls',
    columns: ['Dialed', 'Number', 'Campaign', 'Attempt', 'Status', 'Outcome', 'Duration'],
    rows,
    empty: 'No call matches these filters.',
  }));

  // `trail` holds the cursors of the pages before this one ('-' for the first page's none).
  const prev = trail.length ? {
    after: trail.at(-1) === '-' ? '' : trail.at(-1),
    trail: packTrail(trail.slice(0, -1)),
  } : null;
  replace(pager,
    prev ? h('a', {class: 'btn btn-secondary', rel: 'prev', href: href('/calls', {...filters, ...prev})},
      '← Previous') : null,
    h('span', {class: 'muted'}, `Page ${trail.length + 1}`),
    calls.next ? h('a', {class: 'btn btn-secondary', rel: 'next', href: href('/calls', {...filters,
      after: calls.next, trail: packTrail([...trail, after || '-'])})}, 'Next →') : null);
  return undefined;
}

function packTrail(cursors) {
  return cursors.map(encodeURIComponent).join(',');
}
