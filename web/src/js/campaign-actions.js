// Start, pause, resume and cancel buttons for a campaign, shared by the list and the campaign
// page. Only the moves its status allows are offered (docs/domain.md, campaign transitions);
// the API still has the last word, and its error (409 and the like) is shown as it says it.

import {h} from './dom.js';
import {api} from './api.js';

const ACTIONS_BY_STATUS = {
  draft: ['start', 'cancel'],
  scheduled: ['start', 'cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  completed: [],
  cancelled: [],
};

const LABELS = {start: 'Start', pause: 'Pause', resume: 'Resume', cancel: 'Cancel'};

// `onResult(campaign)` after a move, `onError(err, action)` when the API refused it.
export function actionButtons(campaign, {onResult, onError, compact = false}) {
  const actions = ACTIONS_BY_STATUS[campaign.status] ?? ['start', 'pause', 'resume', 'cancel'];
  const group = h('div', {class: 'actions', role: 'group', 'aria-label': `Actions for ${campaign.name}`});
  for (const action of actions) {
    const button = h('button', {
      type: 'button',
      class: `btn ${action === 'cancel' ? 'btn-danger' : 'btn-secondary'} ${compact ? 'btn-small' : ''}`,
      dataset: {action},
    }, LABELS[action]);
    button.addEventListener('click', async () => {
      if (action === 'cancel' && !window.confirm(`Cancel “${campaign.name}”? Its waiting calls will not be made.`)) return;
      for (const b of group.querySelectorAll('button')) b.disabled = true;
      try {
        const updated = await api(`/v1/campaigns/${encodeURIComponent(campaign.id)}/${action}`, {method: 'POST'});
        onResult?.(updated, action);
      } catch (err) {
        onError?.(err, action);
        for (const b of group.querySelectorAll('button')) b.disabled = false;
      }
    });
    group.append(button);
  }
  if (actions.length === 0) group.append(h('span', {class: 'muted'}, 'No actions'));
  return group;
}

export function statusBadge(status) {
  return h('span', {class: `badge status-${status}`, dataset: {status}}, status ?? '—');
}
