// One campaign, live: counters, calls by outcome over time, jobs by status, attempts per lead,
// skips by reason, the retries waiting, and its leads. The figures come from the campaign's
// Server-Sent Events stream; the stats are fetched once first so an unknown campaign shows the
// API's "not found" rather than a stream that never opens.

import {h, replace, table, section} from '../dom.js';
import {api} from '../api.js';
import * as fmt from '../format.js';
import {errorBox} from '../errors.js';
import {openLive} from '../live.js';
import {OutcomeChart} from '../outcome-chart.js';
import {barList} from '../bars.js';
import {actionButtons, statusBadge} from '../campaign-actions.js';
import {progressOf} from './campaigns.js';
import {leadsPanel} from './campaign-leads.js';
import {notFoundPanel} from './not-found.js';

const JOB_STATUS_ORDER = ['pending', 'processing', 'retry_scheduled', 'skipped', 'completed',
  'goal_achieved', 'failed', 'non_retryable'];
const JOB_COLOURS = {
  pending: '#94a3b8', processing: '#2563eb', retry_scheduled: '#d97706', skipped: '#a855f7',
  completed: '#0e7490', goal_achieved: '#15803d', failed: '#dc2626', non_retryable: '#475569',
};

const COUNTERS = [
  ['calls_total', 'Calls made', (s) => fmt.count(s.calls_total)],
  ['calls_in_progress', 'In progress', (s) => fmt.count(s.calls_in_progress)],
  ['goals_achieved', 'Goals achieved', (s) => fmt.count(s.goals_achieved)],
  ['goal_rate', 'Goal rate', (s) => fmt.percent(s.goal_rate)],
  ['leads', 'Leads', (s) => fmt.count(s.campaign?.total_leads)],
  ['progress', 'Jobs final', (s) => {
    const {final, total} = progressOf(s);
    return total ? `${fmt.count(final)} / ${fmt.count(total)}` : '—';
  }],
];

export async function campaignView(page, {params, isCurrent}) {
  const id = params.id;
  document.title = 'Campaign · Talky';

  let first;
  let history = null;
  try {
    // The calls so far seed the chart's history; past 1000 calls the chart starts from now.
    [first, history] = await Promise.all([
      api(`/v1/campaigns/${encodeURIComponent(id)}/stats`),
      api('/v1/calls', {query: {campaign_id: id, limit: 1000}}).catch(() => null),
    ]);
  } catch (err) {
    if (err.status === 404) {
      page.append(notFoundPanel('Campaign not found', `The server answered: ${err.message}.`,
        'It may have been deleted, or belong to another tenant.'));
    } else {
      page.append(h('h1', {}, 'Campaign'), errorBox(err, {title: 'Could not load the campaign'}));
    }
    return undefined;
  }
  if (!isCurrent()) return undefined;

  // --- the page's skeleton; `update` fills it from each snapshot -----------------------------
  const title = h('h1', {});
  const crumb = h('span', {'aria-current': 'page'}, 'Campaign');
  const badgeSlot = h('span');
  const actionsSlot = h('div');
  const liveDot = h('span', {class: 'live-dot', 'aria-hidden': 'true'});
  const liveText = h('span', {class: 'live-text'}, 'Connecting…');
  const live = h('p', {class: 'live', dataset: {state: 'connecting'}}, liveDot, liveText);
  const messages = h('div');
  const counterValues = {};
  const counters = h('div', {class: 'counters', 'aria-live': 'polite', 'aria-label': 'Live figures'},
    COUNTERS.map(([key, text]) => {
      counterValues[key] = h('span', {class: 'counter-value'}, '—');
      return h('div', {class: 'counter', dataset: {counter: key}},
        h('span', {class: 'counter-label'}, text), counterValues[key]);
    }));
  const canvas = h('canvas', {role: 'img', 'aria-label': 'Calls by outcome over time'});
  const chartBox = h('div', {class: 'chart-box'}, canvas);
  const chartNote = h('p', {class: 'muted chart-note'});
  const jobsSlot = h('div');
  const attemptsSlot = h('div');
  const skipsSlot = h('div');
  const retriesSlot = h('div');
  const leads = leadsPanel(id);

  page.append(
    h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'},
      h('a', {href: '#/campaigns'}, 'Campaigns'), ' / ', crumb),
    h('div', {class: 'page-head'},
      h('div', {class: 'title-row'}, title, badgeSlot),
      actionsSlot),
    live,
    messages,
    counters,
    h('div', {class: 'grid-2'},
      section('Calls by outcome over time',
        chartBox, chartNote),
      section('Jobs by status', jobsSlot)),
    h('div', {class: 'grid-3'},
      section('Attempts per lead', attemptsSlot),
      section('Skips by reason', skipsSlot),
      section('Retries waiting', retriesSlot)),
    h('p', {class: 'section-links'},
      h('a', {href: `#/calls?campaign_id=${encodeURIComponent(id)}`}, 'See this campaign’s calls')),
    leads.element);

  const chart = new OutcomeChart(canvas);
  if (!chart.chart) chartNote.textContent = 'The chart library did not load; the figures are in the tables.';
  let lastStatus = null;
  let lastLeads = null;

  // `at` is the snapshot's instant on the server's clock; only the stream's snapshots go on the
  // chart, so its time axis is the server's alone.
  function update(stats, at = null) {
    const c = stats.campaign ?? {};
    title.textContent = c.name ?? id;
    crumb.textContent = c.name ?? 'Campaign';
    document.title = `${c.name ?? 'Campaign'} · Talky`;
    if (c.status !== lastStatus) {
      lastStatus = c.status;
      replace(badgeSlot, statusBadge(c.status));
      replace(actionsSlot, actionButtons(c, {
        onResult: (updated, action) => {
          replace(messages, h('p', {class: 'alert alert-ok', role: 'status'},
            `${fmt.label(action)}: the campaign is now ${updated.status}.`));
          refreshOnce();
        },
        onError: (err, action) => replace(messages, errorBox(err, {title: `Could not ${action} the campaign`})),
      }));
    }
    for (const [key, , value] of COUNTERS) {
      const text = value(stats);
      if (counterValues[key].textContent !== text) counterValues[key].textContent = text;
    }
    if (at) chart.push(at, stats.calls_by_outcome);
    if (chart.chart) {
      // Until the first call ends there is nothing to draw: say so instead of empty axes.
      const empty = chart.series.size === 0 && Object.keys(stats.calls_by_outcome ?? {}).length === 0;
      chartBox.hidden = empty;
      chartNote.textContent = empty ? 'No call has ended yet: the chart fills in as calls end.' : '';
    }

    const jobs = stats.jobs_by_status ?? {};
    const jobKeys = [...JOB_STATUS_ORDER.filter((k) => k in jobs),
      ...Object.keys(jobs).filter((k) => !JOB_STATUS_ORDER.includes(k))];
    replace(jobsSlot, barList(jobKeys.map((k) => [k, jobs[k]]).filter(([, v]) => v > 0), {
      name: 'Jobs by status', labelOf: fmt.label, colourOf: (k) => JOB_COLOURS[k] ?? '#64748b',
      empty: 'No jobs yet: start the campaign to create them.',
    }));

    const attempts = Object.entries(stats.leads_by_attempts ?? {})
      .sort(([a], [b]) => Number(a) - Number(b));
    replace(attemptsSlot, barList(attempts, {
      name: 'Leads by attempts made',
      labelOf: (k) => `${k} ${Number(k) === 1 ? 'attempt' : 'attempts'}`,
      empty: 'No leads yet.',
    }));

    const skips = Object.entries(stats.skips_by_reason ?? {}).sort(([, a], [, b]) => b - a);
    replace(skipsSlot, barList(skips, {
      name: 'Skips by reason', labelOf: fmt.label, colourOf: () => '#a855f7',
      empty: 'No call was held back by the calling rules.',
    }));

    replace(retriesSlot, retriesTable(stats.retries));

    // New leads (an upload) show up in the list without a manual refresh.
    if (lastLeads !== null && c.total_leads !== lastLeads) leads.reload();
    lastLeads = c.total_leads;
  }

  if (history && !history.next) chart.seed(history.items, new Date().toISOString());
  update(first);

  // After an action, the stream will bring the change too; this makes it immediate.
  async function refreshOnce() {
    try {
      update(await api(`/v1/campaigns/${encodeURIComponent(id)}/stats`));
    } catch { /* the stream or the next try will say */ }
  }

  const liveTexts = {
    connecting: 'Connecting to the live stream…',
    reconnecting: 'Connection lost, reconnecting…',
    closed: 'Live stream closed.',
  };
  let retryTimer = null;
  const stream = openLive(id, {
    onStats: (stats) => {
      update(stats, stats.at);
      liveText.textContent = `Live · updated ${fmt.time(stats.at ?? new Date())}`;
    },
    onStatus: (state) => {
      live.dataset.state = state;
      if (state !== 'live') liveText.textContent = liveTexts[state] ?? state;
    },
    // The server refused the stream: ask the API why (a 404 or 401 shows as such), else retry.
    onClosed: async () => {
      try {
        await api(`/v1/campaigns/${encodeURIComponent(id)}/stats`);
        retryTimer = setTimeout(() => stream.reopen(), 5000);
      } catch (err) {
        if (err.status === 404) {
          replace(page, notFoundPanel('Campaign not found', err.message));
        } else if (err.status !== 401) {
          replace(messages, errorBox(err, {title: 'The live stream stopped'}));
          retryTimer = setTimeout(() => stream.reopen(), 5000);
        }
      }
    },
  });

  return () => {
    clearTimeout(retryTimer);
    stream.close();
    chart.destroy();
  };
}

function retriesTable(retries) {
  const now = Date.now();
  return table({
    caption: 'Retries waiting, soonest first',
    columns: ['Phone', 'Attempt', 'Due'],
    className: 'compact scroll-box',
    empty: 'No retry waiting.',
    rows: (retries ?? []).map((r) => h('tr', {dataset: {jobId: r.job_id}},
      h('td', {class: 'mono'}, r.phone_number),
      h('td', {class: 'num'}, String(r.attempt)),
      h('td', {}, h('time', {datetime: r.due_at, title: fmt.instant(r.due_at)}, fmt.time(r.due_at)),
        h('span', {class: 'muted small due-rel'}, fmt.relative(r.due_at, now))))),
  });
}
