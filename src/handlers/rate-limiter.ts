import type { Clock } from './clock';

/**
 * A token bucket shared by concurrent callers: at most `ratePerSecond` acquisitions per second on
 * average, with bursts of at most `burst`. Waiters are served in arrival order.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly clock: Clock, private readonly ratePerSecond: number, private readonly burst = 1) {
    if (!(ratePerSecond > 0)) {
      throw new Error(`rate must be positive, got ${ratePerSecond}`);
    }
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** Resolves when the caller may make one request. */
  public acquire(): Promise<void> {
    const turn = this.queue.then(() => this.take());
    this.queue = turn;
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
      this.updatedAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond));
    }
  }
}

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight. Rejects with the first error
 * after the calls in flight have settled (no new ones start once one failed).
 */
export async function forEachConcurrent<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) {
    throw failure.error;
  }
}
