/** Internal formatting helpers shared by the components (not exported from the package). */

/** The kit's number and date formatting for one locale (the provider's `locale`, see `useFormatters`). */
export interface Formatters {
  /** 12,345 */
  count(value: number): string;
  /** 98.5 % or an em dash for null. */
  percent(value: number | null): string;
  /** 850 ms · 1.2 s · 3.4 min · 2.1 h, or an em dash for null. */
  duration(ms: number | null): string;
  /** Nov 27, 2026, 10:00:00 AM, or an em dash for null/invalid. */
  dateTime(iso: string | null): string;
  /** Nov 27, 11:58:29 AM (for dense lists; the full date is in the detail). */
  compactDateTime(iso: string): string;
  /** Axis label of a chart bucket: the hour for hourly buckets, the day for daily ones. */
  bucket(iso: string, hourly: boolean): string;
}

const formattersByLocale = new Map<string, Formatters>();

/** The formatters of a BCP 47 locale, made once per locale (Intl formatters are costly to create). */
export function formattersFor(locale: string): Formatters {
  let formatters = formattersByLocale.get(locale);
  if (!formatters) {
    formatters = createFormatters(locale);
    formattersByLocale.set(locale, formatters);
  }
  return formatters;
}

function createFormatters(locale: string): Formatters {
  const numberFormat = new Intl.NumberFormat(locale);
  const percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const decimalFormat = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  const compactDateTimeFormat = new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
  });
  const shortDateFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' });
  const hourFormat = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  const dated = (iso: string, format: Intl.DateTimeFormat) => {
    const time = Date.parse(iso);
    return Number.isNaN(time) ? iso : format.format(time);
  };
  return {
    count: (value) => numberFormat.format(value),
    percent: (value) => (value === null ? '—' : percentFormat.format(value)),
    duration(ms) {
      if (ms === null) return '—';
      if (ms < 1000) return `${numberFormat.format(Math.round(ms))} ms`;
      if (ms < 60_000) return `${decimalFormat.format(ms / 1000)} s`;
      if (ms < 3_600_000) return `${decimalFormat.format(ms / 60_000)} min`;
      return `${decimalFormat.format(ms / 3_600_000)} h`;
    },
    dateTime: (iso) => (iso ? dated(iso, dateTimeFormat) : '—'),
    compactDateTime: (iso) => dated(iso, compactDateTimeFormat),
    bucket: (iso, hourly) => dated(iso, hourly ? hourFormat : shortDateFormat),
  };
}
