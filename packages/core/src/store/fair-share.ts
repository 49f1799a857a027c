/**
 * Fair share across write keys: how a claim (and the worker's in-memory hand-off) splits its room between
 * the write keys that have work, so one key's backlog cannot hold back another key's deliveries.
 */

/** What {@link takeInTurns} picked, and what it left, each in the input order. */
export interface Turns<T> {
  taken: T[];
  rest: T[];
}

/**
 * Picks up to `limit` of `items` — given oldest first — in turns over their keys: every key's oldest item,
 * then every key's second oldest, and so on, until `limit` is reached; in the last, partial turn, the older
 * items go first. So each key gets an equal share, and a key with less work than its share leaves the
 * rest to the others (max-min fairness): with `limit` 500, a key with 100,000 items and a key with 1 get
 * 499 and 1. Both lists keep the input order. O(n).
 */
export function takeInTurns<T>(items: readonly T[], keyOf: (item: T) => string, limit: number): Turns<T> {
  if (items.length <= limit) return { taken: [...items], rest: [] };
  if (limit <= 0) return { taken: [], rest: [...items] };
  // The turn of each item: its rank among the items of its key.
  const turns = new Uint32Array(items.length);
  const perKey = new Map<string, number>();
  const perTurn: number[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    const turn = perKey.get(key) ?? 0;
    perKey.set(key, turn + 1);
    turns[index] = turn;
    perTurn[turn] = (perTurn[turn] ?? 0) + 1;
  });
  // Whole turns below `full` fit; `extra` items of turn `full` fill the rest, oldest first.
  let full = 0;
  let room = limit;
  while (full < perTurn.length && perTurn[full]! <= room) {
    room -= perTurn[full]!;
    full += 1;
  }
  let extra = room;
  const taken: T[] = [];
  const rest: T[] = [];
  items.forEach((item, index) => {
    const turn = turns[index]!;
    if (turn < full || (turn === full && extra > 0)) {
      if (turn === full) extra -= 1;
      taken.push(item);
    } else rest.push(item);
  });
  return { taken, rest };
}
