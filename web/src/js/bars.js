// A labelled list of horizontal bars: jobs by status, attempts per lead, skips by reason.
// Plain HTML (not a canvas), so the figures are text that screen readers and tests can read.

import {h} from './dom.js';
import {count} from './format.js';

// entries: [[key, value], ...] in display order.
export function barList(entries, {name, labelOf = (k) => k, colourOf, empty = 'None yet.'}) {
  if (entries.length === 0) return h('p', {class: 'muted empty-note'}, empty);
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const total = entries.reduce((a, [, v]) => a + v, 0);
  return h('ul', {class: 'bars', 'aria-label': name},
    entries.map(([key, value]) => {
      const pct = total ? Math.round((value / total) * 100) : 0;
      return h('li', {dataset: {key}},
        h('span', {class: 'bar-label'}, labelOf(key)),
        h('span', {class: 'bar-value'}, count(value), h('span', {class: 'bar-pct'}, ` ${pct}%`)),
        h('span', {class: 'bar-track', 'aria-hidden': 'true'},
          h('span', {class: 'bar-fill',
            style: `width:${(value / max) * 100}%;${colourOf ? `background:${colourOf(key)}` : ''}`})));
    }));
}
