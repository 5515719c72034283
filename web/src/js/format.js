// How numbers, instants and API names read on screen.

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});

export function instant(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function time(iso) {
  const d = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : timeOnly.format(d);
}

// "in 1 h 59 min", "3 min ago": a due time is easier to read relative to now.
export function relative(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  let seconds = Math.round((t - now) / 1000);
  const future = seconds >= 0;
  seconds = Math.abs(seconds);
  let text;
  if (seconds < 60) text = `${seconds} s`;
  else if (seconds < 3600) text = `${Math.round(seconds / 60)} min`;
  else if (seconds < 86400) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.round((seconds % 3600) / 60);
    text = minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  } else text = `${Math.round(seconds / 86400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

export function count(n) {
  return typeof n === 'number' ? n.toLocaleString() : '—';
}

export function percent(rate) {
  if (typeof rate !== 'number' || Number.isNaN(rate)) return '—';
  return `${(rate * 100).toFixed(1)}%`;
}

export function seconds(s) {
  if (typeof s !== 'number') return '—';
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function ms(v) {
  return typeof v === 'number' ? `${Math.round(v)} ms` : null;
}

// goal_not_achieved -> "Goal not achieved"
export function label(name) {
  if (!name) return '—';
  const text = String(name).replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// Call outcomes as the API names them (domain/call_outcome.cpp), for filters and chart colours.
export const OUTCOMES = [
  'goal_achieved', 'goal_not_achieved', 'answered', 'voicemail', 'no_answer', 'busy',
  'do_not_call', 'rejected', 'invalid', 'disconnected', 'unavailable', 'timeout', 'spam',
  'failed',
];

// Job statuses that will not change again: progress counts these.
export const FINAL_JOB_STATUSES = ['completed', 'failed', 'goal_achieved', 'non_retryable'];

// A `<input type="datetime-local">` value (local wall time) as an ISO instant in UTC.
export function localInputToIso(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value; // let the API name the bad value
  return d.toISOString().replace('.000Z', 'Z');
}

// The reverse, to show a filter taken from the URL in the input.
export function isoToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
