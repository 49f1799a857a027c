/** The time-range presets of the Logs tab, in the order the control lists them. */
export const TIME_RANGE_PRESETS = ['1h', '24h', '7d', 'all', 'custom'] as const;
export type TimeRangePreset = (typeof TIME_RANGE_PRESETS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How far back each relative preset reaches. */
const PRESET_MS: Record<Exclude<TimeRangePreset, 'all' | 'custom'>, number> = { '1h': HOUR, '24h': DAY, '7d': 7 * DAY };

/**
 * A time range of the deliveries list: ISO 8601 bounds (`from` inclusive, `to` exclusive), either absent.
 * The relative presets have no `to`, so deliveries that arrive later (the live feed) still match.
 */
export interface TimeRange {
  preset: TimeRangePreset;
  from?: string;
  to?: string;
}

/** The range of a preset at `now` (a custom range starts as the last 24 hours up to now). */
export function presetRange(preset: TimeRangePreset, now: number): TimeRange {
  if (preset === 'all') return { preset };
  if (preset === 'custom') return { preset, from: new Date(now - DAY).toISOString(), to: new Date(now).toISOString() };
  return { preset, from: new Date(now - PRESET_MS[preset]).toISOString() };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as the value of a `datetime-local` input (the user's time zone, to the minute). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value (the user's time zone) as an ISO time; undefined when empty or invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * Whether `from` comes after `to` (`strict`: also when they are equal, for a replay, whose range must not
 * be empty). Missing bounds are never in the wrong order.
 */
export function isBackwards(from: string | undefined, to: string | undefined, strict = false): boolean {
  if (!from || !to) return false;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return strict ? a >= b : a > b;
}

/** `now` rounded up to the next whole minute (the end of a range typed in minutes that includes now). */
export function ceilToMinute(now: number): number {
  return Math.ceil(now / 60_000) * 60_000;
}
