// The campaign page's leads: the list with "why not called?" (the calling rules' explanation of
// GET /v1/leads/{id}/explanation) and the CSV upload, whose every bad row is listed.

import {h, replace, table, field, section, uid} from '../dom.js';
import {api} from '../api.js';
import * as fmt from '../format.js';
import {errorBox, fillErrorBox} from '../errors.js';

const PAGE_SIZE = 25;

export function leadsPanel(campaignId) {
  const base = `/v1/campaigns/${encodeURIComponent(campaignId)}`;
  const slot = h('div', {class: 'table-slot'}, h('p', {class: 'loading'}, 'Loading leads…'));
  const errorSlot = h('div');
  const more = h('button', {type: 'button', class: 'btn btn-secondary', hidden: true}, 'Show more leads');
  let leads = [];
  let after = null;
  let loads = 0;
  // An open explanation survives a redraw (an upload or a live update reloads the list): its row
  // and answer are kept rather than closed under the reader's eyes.
  const openExplanations = new Map();

  async function load(append = false) {
    const mine = ++loads;
    replace(errorSlot);
    try {
      const pageOf = await api(`${base}/leads`, {query: {limit: PAGE_SIZE, after: append ? after : undefined}});
      if (mine !== loads) return; // a later load answers for the list
      leads = append ? leads.concat(pageOf.items) : pageOf.items;
      after = pageOf.next;
      more.hidden = !after;
      draw();
    } catch (err) {
      if (mine === loads) replace(errorSlot, errorBox(err, {title: 'Could not load the leads'}));
    }
  }
  more.addEventListener('click', () => load(true));

  function explainControls(lead) {
    const explainId = uid('explain');
    const button = h('button', {type: 'button', class: 'btn btn-small btn-secondary',
      'aria-expanded': 'false', 'aria-controls': explainId, dataset: {explain: lead.id}},
    'Why not called?');
    const detailRow = h('tr', {class: 'explain-row', id: explainId, hidden: true},
      h('td', {colspan: 7}, h('div', {class: 'explanation', role: 'status'})));
    const controls = {button, detailRow};
    button.addEventListener('click', () => {
      const opening = button.getAttribute('aria-expanded') !== 'true';
      if (opening) openExplanations.set(lead.id, controls);
      else openExplanations.delete(lead.id);
      toggleExplanation(lead, button, detailRow);
    });
    return controls;
  }

  function draw() {
    const listed = new Set(leads.map((lead) => lead.id));
    for (const id of openExplanations.keys()) if (!listed.has(id)) openExplanations.delete(id);
    const rows = [];
    for (const lead of leads) {
      const name = [lead.first_name, lead.last_name].filter(Boolean).join(' ');
      const {button, detailRow} = openExplanations.get(lead.id) ?? explainControls(lead);
      rows.push(h('tr', {dataset: {leadId: lead.id}},
        h('td', {class: 'mono'}, lead.phone_number),
        h('td', {}, name || h('span', {class: 'muted'}, '—')),
        h('td', {}, h('span', {class: `badge lead-${lead.status}`}, lead.status)),
        h('td', {class: 'num'}, fmt.count(lead.call_attempts)),
        h('td', {}, lead.call_attempts ? fmt.label(lead.last_call_result) : h('span', {class: 'muted'}, '—')),
        h('td', {}, fmt.instant(lead.last_called_at)),
        h('td', {}, button)));
      rows.push(detailRow);
    }
    replace(slot, table({
      caption: 'Leads',
      columns: ['Phone', 'Name', 'Status', 'Attempts', 'Last result', 'Last called', ''],
      rows,
      empty: 'No leads yet: upload a CSV file below.',
    }));
  }

  const upload = uploadForm(base, (imported) => load());
  const refresh = h('button', {type: 'button', class: 'btn btn-secondary btn-small'}, 'Refresh');
  refresh.addEventListener('click', () => load());

  const panel = section('Leads',
    h('div', {class: 'section-tools'}, refresh),
    errorSlot, slot, more, upload);
  panel.id = 'leads';
  load();
  return {element: panel, reload: () => load()};
}

async function toggleExplanation(lead, button, row) {
  const open = button.getAttribute('aria-expanded') === 'true';
  if (open) {
    button.setAttribute('aria-expanded', 'false');
    row.hidden = true;
    return;
  }
  button.setAttribute('aria-expanded', 'true');
  row.hidden = false;
  const box = row.querySelector('.explanation');
  replace(box, h('span', {class: 'muted'}, 'Asking the calling rules…'));
  try {
    const answer = await api(`/v1/leads/${encodeURIComponent(lead.id)}/explanation`);
    replace(box, explanation(answer));
  } catch (err) {
    replace(box, errorBox(err, {title: 'No explanation'}));
  }
}

// The decision in words: the rules' own sentence first, then the details behind it.
// The answer is {lead, decision}; the lead's figures say what happened so far.
function explanation(answer) {
  const d = answer.decision ?? {};
  const lead = answer.lead;
  const verdict = {allowed: 'May be called now', not_now: 'Not now', never: 'Never'}[d.decision] ?? d.decision;
  const pair = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
  // The message joins one sentence per failing rule with "; ": a list reads better.
  const sentences = String(d.message ?? '').split(/;\s+(?=[a-z_]+:)/).filter(Boolean);
  const details = h('dl', {class: 'facts'},
    d.reasons?.length ? pair('Rules that say no', d.reasons.map(fmt.label).join(', ')) : null,
    d.next_allowed_at ? pair('Next allowed', `${fmt.instant(d.next_allowed_at)} (${fmt.relative(d.next_allowed_at)})`) : null,
    d.zones?.length ? pair('Time zones', `${d.zones.join(', ')}${d.zone_source ? ` (from the ${fmt.label(d.zone_source).toLowerCase()})` : ''}`) : null,
    d.subdivision ? pair('State or region', d.subdivision) : null,
    lead ? pair('So far', `${fmt.count(lead.call_attempts)} attempt(s), lead ${lead.status}` +
      (lead.last_call_result && lead.last_call_result !== 'pending' ? `, last result ${fmt.label(lead.last_call_result).toLowerCase()}` : '') +
      (lead.last_called_at ? `, last called ${fmt.instant(lead.last_called_at)}` : '')) : null,
    d.at ? pair('Checked at', fmt.instant(d.at)) : null);
  return h('div', {class: 'decision', dataset: {decision: d.decision}},
    h('p', {class: 'decision-head'},
      h('span', {class: `badge decision-badge decision-${d.decision}`}, verdict),
      ' ',
      h('span', {class: 'decision-message'}, sentences.length > 1 ? null : (d.message ?? fmt.label(d.reason)))),
    sentences.length > 1 ? h('ul', {class: 'decision-message decision-list'}, sentences.map((m) => h('li', {}, m))) : null,
    details);
}

// CSV upload: the file goes as it is (Content-Type text/csv); on 400 every row's error is listed
// with the line the API names.
function uploadForm(base, onImported) {
  const input = h('input', {type: 'file', name: 'file', accept: '.csv,text/csv', required: true});
  const result = h('div', {role: 'status', class: 'status-line'});
  const errors = h('div', {class: 'alert alert-error upload-errors', role: 'alert', hidden: true, tabindex: '-1'});
  const button = h('button', {type: 'submit', class: 'btn btn-primary'}, 'Upload leads');
  const form = h('form', {class: 'upload-form', novalidate: true},
    h('h3', {}, 'Upload leads'),
    field({label: 'Leads CSV file', control: input, field: 'file',
      hint: 'A header row with phone_number (required), first_name, last_name, email, priority, is_high_value, tags, time_zone; other columns become custom fields.'}),
    h('div', {class: 'form-actions'}, button),
    result,
    errors);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.hidden = true;
    result.textContent = '';
    const file = input.files?.[0];
    if (!file) {
      fillErrorBox(errors, {message: 'Choose a CSV file first.', fields: []});
      input.focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Uploading…';
    try {
      const text = await file.text();
      const answer = await api(`${base}/leads`, {method: 'POST', body: text, contentType: 'text/csv'});
      result.textContent = `Imported ${fmt.count(answer.imported)} leads from ${file.name}.`;
      form.reset();
      onImported(answer.imported);
    } catch (err) {
      fillErrorBox(errors, err, {title: `${file.name} was not imported`});
      errors.focus();
    } finally {
      button.disabled = false;
      button.textContent = 'Upload leads';
    }
  });
  return form;
}
