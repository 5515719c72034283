// The campaigns list: status, progress, goal rate and calls in flight per campaign, the
// start/pause/resume/cancel buttons, and a form for a new campaign.

import {h, replace, table, field, section} from '../dom.js';
import {api} from '../api.js';
import * as fmt from '../format.js';
import {errorBox, handleSubmit} from '../errors.js';
import {actionButtons, statusBadge} from '../campaign-actions.js';
import {navigate} from '../router.js';

// Jobs final / all jobs; before the first start (no jobs yet) the leads waiting.
export function progressOf(stats) {
  const jobs = stats?.jobs_by_status ?? {};
  const total = Object.values(jobs).reduce((a, b) => a + b, 0);
  const final = fmt.FINAL_JOB_STATUSES.reduce((a, s) => a + (jobs[s] ?? 0), 0);
  return {final, total};
}

export function progressBar({final, total}, leads) {
  if (total === 0) {
    return h('span', {class: 'muted'}, `${fmt.count(leads ?? 0)} leads, not started`);
  }
  const pct = Math.round((final / total) * 100);
  return h('div', {class: 'progress-cell'},
    h('progress', {max: total, value: final, 'aria-label': `${final} of ${total} jobs final`}),
    h('span', {class: 'progress-text'}, `${fmt.count(final)} / ${fmt.count(total)} jobs final (${pct}%)`));
}

export async function campaignsView(page) {
  document.title = 'Campaigns · Talky';
  const status = h('div', {class: 'status-line', role: 'status'});
  const errorSlot = h('div');
  const listSlot = h('div', {class: 'table-slot'}, h('p', {class: 'loading'}, 'Loading campaigns…'));
  let after;
  let campaigns = [];
  let stopped = false;

  const more = h('button', {type: 'button', class: 'btn btn-secondary', hidden: true}, 'Load more');
  more.addEventListener('click', () => load(true));

  async function load(append = false) {
    replace(errorSlot);
    try {
      const pageOf = await api('/v1/campaigns', {query: {limit: 50, after: append ? after : undefined}});
      after = pageOf.next;
      more.hidden = !after;
      const rows = await Promise.all(pageOf.items.map(async (c) => {
        try {
          return {campaign: c, stats: await api(`/v1/campaigns/${encodeURIComponent(c.id)}/stats`)};
        } catch {
          return {campaign: c, stats: null};
        }
      }));
      campaigns = append ? campaigns.concat(rows) : rows;
      if (!stopped) draw();
    } catch (err) {
      replace(errorSlot, errorBox(err, {title: 'Could not load the campaigns'}));
    }
  }

  function draw() {
    const rows = campaigns.map(({campaign: c, stats}) => h('tr', {dataset: {campaignId: c.id}},
      h('th', {scope: 'row'}, h('a', {href: `#/campaigns/${encodeURIComponent(c.id)}`}, c.name)),
      h('td', {}, statusBadge(c.status)),
      h('td', {}, progressBar(progressOf(stats), c.total_leads)),
      h('td', {class: 'num'}, fmt.percent(stats?.goal_rate)),
      h('td', {class: 'num'}, fmt.count(stats?.calls_in_progress)),
      h('td', {}, actionButtons(c, {
        compact: true,
        onResult: (updated, action) => {
          status.textContent = `${updated.name}: ${action} done, now ${updated.status}.`;
          load();
        },
        onError: (err, action) => {
          replace(errorSlot, errorBox(err, {title: `Could not ${action} “${c.name}”`}));
        },
      }))));
    replace(listSlot, table({
      caption: 'Campaigns',
      columns: ['Name', 'Status', 'Progress', 'Goal rate', 'In flight', 'Actions'],
      rows,
      empty: 'No campaigns yet: create one below.',
    }));
  }

  page.append(
    h('div', {class: 'page-head'},
      h('h1', {}, 'Campaigns'),
      h('button', {type: 'button', class: 'btn btn-secondary', onclick: () => load()}, 'Refresh')),
    status,
    errorSlot,
    h('section', {class: 'card', 'aria-label': 'Campaign list'}, listSlot, more),
    newCampaignForm());
  await load();
  return () => { stopped = true; };
}

// Creating a campaign: the few fields an operator needs; the API names any bad one.
function newCampaignForm() {
  const summary = h('div', {class: 'alert alert-error', role: 'alert', hidden: true, tabindex: '-1'});
  const form = h('form', {class: 'form-grid', novalidate: true},
    field({label: 'Name', field: 'name', control: h('input', {name: 'name', required: true})}),
    field({label: 'Voice', field: 'voice_id', control: h('input', {name: 'voice_id', value: 'en-us-1'})}),
    field({label: 'Goal', field: 'goal', hint: 'For example “book an appointment”.',
      control: h('input', {name: 'goal'})}),
    field({label: 'Concurrent calls', field: 'max_concurrent_calls',
      control: h('input', {name: 'max_concurrent_calls', type: 'number', min: 1, max: 100, value: '10'})}),
    field({label: 'System prompt', field: 'system_prompt', control: h('textarea', {name: 'system_prompt', rows: 3})}),
    h('div', {class: 'field field-check', dataset: {field: 'calling_config'}},
      h('input', {type: 'checkbox', id: 'new-record', name: 'record_calls'}),
      h('label', {for: 'new-record'}, 'Record answered calls'),
      h('p', {class: 'field-error', hidden: true})),
    summary,
    h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'btn btn-primary'}, 'Create campaign')));

  handleSubmit(form, {
    summary,
    busyText: 'Creating…',
    action: (f) => {
      const data = new FormData(f);
      const body = {
        name: data.get('name'),
        voice_id: data.get('voice_id'),
        system_prompt: data.get('system_prompt'),
      };
      if (data.get('goal')) body.goal = data.get('goal');
      const max = data.get('max_concurrent_calls');
      if (max !== '') body.max_concurrent_calls = Number(max);
      if (data.get('record_calls')) body.calling_config = {record_calls: true};
      return api('/v1/campaigns', {method: 'POST', json: body});
    },
    done: (campaign) => navigate(`/campaigns/${encodeURIComponent(campaign.id)}`),
  });

  return h('details', {class: 'card disclosure'},
    h('summary', {}, h('span', {class: 'h2-like'}, 'New campaign')),
    form);
}
