// One call: its record, its transcript (each turn's role, text, offset and latency by
// component) and its recording, played straight from GET /v1/calls/{id}/recording.

import {h, replace, section} from '../dom.js';
import {api} from '../api.js';
import * as fmt from '../format.js';
import {errorBox} from '../errors.js';
import {notFoundPanel} from './not-found.js';

export async function callView(page, {params}) {
  const id = params.id;
  document.title = 'Call · Talky';
  let call;
  try {
    call = await api(`/v1/calls/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err.status === 404) {
      page.append(notFoundPanel('Call not found', `The server answered: ${err.message}.`,
        'It may belong to another tenant.'));
    } else {
      page.append(h('h1', {}, 'Call'), errorBox(err, {title: 'Could not load the call'}));
    }
    return undefined;
  }
  document.title = `Call to ${call.to_number ?? id} · Talky`;

  let campaignName = call.campaign_id;
  try {
    campaignName = (await api(`/v1/campaigns/${encodeURIComponent(call.campaign_id)}`)).name;
  } catch { /* the id will do */ }

  const facts = h('dl', {class: 'facts facts-grid'},
    fact('Number', h('span', {class: 'mono'}, call.to_number ?? '—')),
    fact('Campaign', h('a', {href: `#/campaigns/${encodeURIComponent(call.campaign_id)}`}, campaignName)),
    fact('Outcome', call.outcome ? h('span', {class: `badge outcome-${call.outcome}`}, fmt.label(call.outcome)) : 'In progress'),
    fact('Status', fmt.label(call.status)),
    fact('Attempt', String(call.attempt ?? '—')),
    fact('Duration', fmt.seconds(call.duration_seconds)),
    fact('Dialed', fmt.instant(call.created_at)),
    fact('Answered', fmt.instant(call.answered_at)),
    fact('Ended', fmt.instant(call.ended_at)),
    fact('Caller id', call.caller_id ?? '—'),
    fact('Call id', h('span', {class: 'mono small'}, call.id)));

  page.append(
    h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'},
      h('a', {href: '#/calls'}, 'Calls'), ' / ', h('span', {'aria-current': 'page'}, 'Call')),
    h('div', {class: 'page-head'}, h('h1', {}, `Call to ${call.to_number ?? 'an erased number'}`)),
    h('div', {class: 'grid-call'},
      section('Details', facts),
      section('Recording', call.status === 'completed' ? recording(call.id)
        : h('p', {class: 'muted', dataset: {state: 'in-progress'}},
          'The call is still going on; its recording (if the campaign records calls) is kept when it ends. ',
          h('a', {href: `#/calls/${encodeURIComponent(call.id)}`, onclick: reload}, 'Reload')))),
    section('Transcript', transcript(call.transcript ?? [])));
  return undefined;
}

// The link points at this very page, where a hash change would do nothing: render it again.
function reload(event) {
  event.preventDefault();
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function fact(term, value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

// The player loads the WAV itself (the cookie goes along); when it fails we ask the API what
// the problem is, since a media element cannot see the status (404: no recording).
function recording(callId) {
  const url = `/v1/calls/${encodeURIComponent(callId)}/recording`;
  const slot = h('div', {class: 'recording'});
  const audio = h('audio', {controls: true, preload: 'metadata', src: url,
    'aria-label': 'Call recording (caller left, agent right)'});
  const note = h('p', {class: 'muted small'}, 'Stereo: the caller on the left, the agent on the right.');
  const download = h('a', {href: url, download: `call-${callId}.wav`}, 'Download WAV');
  audio.addEventListener('error', async () => {
    let message = 'The recording could not be played.';
    try {
      const response = await fetch(url, {credentials: 'same-origin'});
      if (response.status === 404) message = 'No recording for this call.';
      else if (!response.ok) message = `The recording could not be loaded (HTTP ${response.status}).`;
    } catch { /* keep the general message */ }
    replace(slot, h('p', {class: 'no-recording', dataset: {state: 'no-recording'}}, message));
  });
  replace(slot, audio, h('p', {class: 'recording-tools'}, note, ' ', download));
  return slot;
}

function transcript(turns) {
  if (turns.length === 0) {
    return h('p', {class: 'muted', dataset: {state: 'empty'}}, 'Nothing was said on this call.');
  }
  return h('ol', {class: 'transcript'},
    turns.map((t) => {
      const latencies = ['stt', 'llm', 'tts']
        .map((k) => (typeof t.latency_ms?.[k] === 'number' ? `${k.toUpperCase()} ${fmt.ms(t.latency_ms[k])}` : null))
        .filter(Boolean);
      const tokens = t.tokens && (t.tokens.prompt != null || t.tokens.completion != null)
        ? `tokens ${t.tokens.prompt ?? '?'} in / ${t.tokens.completion ?? '?'} out` : null;
      const who = t.role === 'assistant' ? 'Agent' : t.role === 'user' ? 'Callee' : fmt.label(t.role);
      return h('li', {class: `turn turn-${t.role}`, dataset: {role: t.role}},
        h('div', {class: 'turn-meta'},
          h('span', {class: 'turn-role'}, who),
          h('span', {class: 'turn-offset', title: fmt.instant(t.at)},
            typeof t.offset_seconds === 'number' ? `+${t.offset_seconds.toFixed(1)} s` : '')),
        h('p', {class: 'turn-text'}, t.text),
        latencies.length || tokens
          ? h('p', {class: 'turn-latency'}, h('span', {class: 'visually-hidden'}, 'Latency: '),
            [...latencies, tokens].filter(Boolean).join(' · '))
          : null);
    }));
}
