/**
 * A clock that moves only when told: the time of an in-memory backend's service and worker, so stories and
 * tests see the same timestamps on every run. Browser-safe.
 */

/** A manual clock, in whole milliseconds since the epoch. */
export interface ManualClock {
  /** The current time. */
  now(): number;
  /** Moves the clock `ms` forward; returns the new time. */
  advance(ms: number): number;
  /** Moves the clock to `ms` (never back: a service's time does not run backwards); returns it. */
  set(ms: number): number;
}

function wholeMs(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be whole milliseconds, not ${String(value)}.`);
  return value;
}

/** Creates a {@link ManualClock} showing `start`. */
export function createManualClock(start: number): ManualClock {
  let time = wholeMs(start, 'The start of the clock');
  return {
    now: () => time,
    advance(ms) {
      if (wholeMs(ms, 'The step') < 0) throw new RangeError('The clock only moves forward.');
      time += ms;
      return time;
    },
    set(ms) {
      if (wholeMs(ms, 'The time') < time) {
        throw new RangeError(
          `The clock only moves forward: ${new Date(ms).toISOString()} is before ${new Date(time).toISOString()}.`,
        );
      }
      time = ms;
      return time;
    },
  };
}
