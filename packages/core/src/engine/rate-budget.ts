/** A token bucket per key: `perSecond` requests per second with a burst of the same size. */
export interface RateBudget {
  /** Resolves when the key may send one more request (at once while it has budget). */
  acquire(key: string): Promise<void>;
}

/**
 * Creates a per-key token bucket (Segment limits requests per workspace, so webhooks sharing a write key
 * share a budget). `clock` returns milliseconds; default `performance.now`.
 */
export function createRateBudget(perSecond: number, clock: () => number = () => performance.now()): RateBudget {
  const rate = Math.max(perSecond, 0.001);
  const buckets = new Map<string, { tokens: number; at: number; queue: Promise<void> }>();
  return {
    acquire(key) {
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { tokens: rate, at: clock(), queue: Promise.resolve() };
        buckets.set(key, bucket);
      }
      const b = bucket;
      // Requests of one key queue up in order, each waiting for its token.
      const turn = b.queue.then(async () => {
        const refill = () => {
          const t = clock();
          b.tokens = Math.min(rate, b.tokens + ((t - b.at) / 1000) * rate);
          b.at = t;
        };
        refill();
        while (b.tokens < 1) {
          await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - b.tokens) / rate) * 1000)));
          refill();
        }
        b.tokens -= 1;
      });
      b.queue = turn;
      return turn;
    },
  };
}
