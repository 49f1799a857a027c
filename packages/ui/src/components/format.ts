/** Internal formatting helpers shared by the part-2 components (not exported from the package). */

const numberFormat = new Intl.NumberFormat('en-US');
const percentFormat = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
const compactDateTimeFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  second: '2-digit',
});
const shortDateFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' });
const hourFormat = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit' });

/** 12,345 */
export function formatCount(value: number): string {
  return numberFormat.format(value);
}

/** 98.5 % or an em dash for null. */
export function formatPercent(value: number | null): string {
  return value === null ? '—' : percentFormat.format(value);
}

/** 850 ms · 1.2 s · 3.4 min · 2.1 h, or an em dash for null. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Nov 27, 2026, 10:00:00 AM, or an em dash for null/invalid. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return '—';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : dateTimeFormat.format(time);
}

/** Nov 27, 11:58:29 AM (for dense lists; the full date is in the detail). */
export function formatCompactDateTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : compactDateTimeFormat.format(time);
}

/** Axis label of a chart bucket: the hour for hourly buckets, the day for daily ones. */
export function formatBucket(iso: string, hourly: boolean): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return hourly ? hourFormat.format(time) : shortDateFormat.format(time);
}
