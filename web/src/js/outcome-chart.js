// Calls by outcome over time, drawn with Chart.js (its UMD build, window.Chart): one line per
// outcome, cumulative, on a linear time axis (milliseconds; no date adapter needed). Points come
// from the live snapshots, and on open from the campaign's calls so far (seed).

import {label} from './format.js';

// Outcomes that mean the same thing keep the same colour on every page.
const COLOURS = {
  goal_achieved: '#15803d',
  goal_not_achieved: '#ca8a04',
  answered: '#0e7490',
  voicemail: '#7c3aed',
  no_answer: '#64748b',
  busy: '#ea580c',
  do_not_call: '#be123c',
  rejected: '#db2777',
  invalid: '#374151',
  disconnected: '#78350f',
  unavailable: '#0369a1',
  timeout: '#854d0e',
  spam: '#701a75',
  failed: '#dc2626',
};
const SPARE = ['#2563eb', '#db2777', '#059669', '#d97706', '#4f46e5'];
const MAX_POINTS = 600; // per line; older points drop off the left

export function outcomeColour(outcome, index = 0) {
  return COLOURS[outcome] ?? SPARE[index % SPARE.length];
}

const tickTime = new Intl.DateTimeFormat(undefined, {hour: '2-digit', minute: '2-digit', second: '2-digit'});

export class OutcomeChart {
  constructor(canvas) {
    this.series = new Map(); // outcome -> [{x: ms, y: calls}]
    this.lastTime = null;
    if (!window.Chart) {
      this.chart = null; // the page works without the chart; the tables carry the same figures
      return;
    }
    this.chart = new window.Chart(canvas, {
      type: 'line',
      data: {datasets: []},
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false, // live data: a redraw per event, no tweening
        parsing: false,
        normalized: true,
        interaction: {mode: 'nearest', axis: 'x', intersect: false},
        elements: {point: {radius: 0, hitRadius: 6, hoverRadius: 4}, line: {borderWidth: 2}},
        // A snapshot says the count at its instant; between two snapshots the change happened at
        // some point, shown as a step at the later one rather than a slope.
        datasets: {line: {stepped: true}},
        scales: {
          x: {
            type: 'linear',
            ticks: {maxTicksLimit: 6, maxRotation: 0, callback: (v) => tickTime.format(new Date(v))},
            grid: {display: false},
          },
          y: {beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: 'Calls'}},
        },
        plugins: {
          legend: {position: 'bottom', labels: {boxWidth: 10, boxHeight: 10, usePointStyle: true}},
          tooltip: {callbacks: {title: (items) => (items.length ? tickTime.format(new Date(items[0].parsed.x)) : '')}},
        },
      },
    });
  }

  // Adds one snapshot: `at` (ISO instant) and its calls_by_outcome (cumulative counts).
  push(at, callsByOutcome, {draw = true} = {}) {
    let t = new Date(at).getTime();
    if (Number.isNaN(t)) return;
    if (this.lastTime !== null && t < this.lastTime) t = this.lastTime; // never step back in time
    const counts = callsByOutcome ?? {};
    for (const outcome of Object.keys(counts)) {
      if (!this.series.has(outcome)) {
        // A new outcome was at zero until the previous point.
        this.series.set(outcome, this.lastTime === null ? [] : [{x: this.lastTime, y: 0}]);
      }
    }
    for (const [outcome, points] of this.series) {
      const y = counts[outcome] ?? 0;
      const last = points.at(-1);
      // Flat stretches need only their ends: replace a middle point that says the same.
      if (points.length >= 2 && last.y === y && points.at(-2).y === y) last.x = t;
      else points.push({x: t, y});
      if (points.length > MAX_POINTS) points.shift();
    }
    this.lastTime = t;
    if (draw) this.update();
  }

  // The history before the page opened, from the campaign's calls: each ended call adds one to
  // its outcome at its end. Calls after `until` (the first live snapshot) are left to it.
  seed(calls, until) {
    const limit = new Date(until).getTime();
    const events = calls
      .filter((c) => c.outcome)
      .map((c) => ({t: new Date(c.ended_at ?? c.created_at).getTime(), outcome: c.outcome}))
      .filter((e) => !Number.isNaN(e.t) && e.t < limit)
      .sort((a, b) => a.t - b.t);
    if (events.length === 0 || this.series.size > 0) return;
    const counts = {};
    this.push(events[0].t - 1000, {}, {draw: false});
    for (const e of events) {
      counts[e.outcome] = (counts[e.outcome] ?? 0) + 1;
      this.push(e.t, {...counts}, {draw: false});
    }
    this.update();
  }

  update() {
    if (!this.chart) return;
    // Datasets share the arrays above and are only ever appended, so a line the user hid from
    // the legend stays hidden as events arrive.
    const datasets = this.chart.data.datasets;
    for (const [outcome, points] of this.series) {
      if (datasets.some((d) => d.outcome === outcome)) continue;
      const colour = outcomeColour(outcome, datasets.length);
      datasets.push({outcome, label: label(outcome), data: points, borderColor: colour,
        backgroundColor: colour, pointStyle: 'circle'});
    }
    this.chart.update('none');
  }

  destroy() {
    this.chart?.destroy();
  }
}
