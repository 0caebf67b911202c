import type { Clock } from './clock';

/** Errors Cognito and S3 return when a caller should slow down or try again. */
const RETRYABLE_ERRORS = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'Throttling',
  'InternalErrorException',
  'ServiceUnavailable',
  'SlowDown',
  'RequestTimeout',
  'TimeoutError',
]);

/** No request starts past the invocation's deadline: the work goes on in a fresh invocation, or fails. */
export class DeadlineReached extends Error {
  constructor(what: string, message = `${what}: not started, the invocation's time limit is near.`) {
    super(message);
    this.name = 'DeadlineReached';
  }
}

/** True when an error means "slow down" or "try again later". */
export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  return RETRYABLE_ERRORS.has(e?.name ?? '') || (e?.$metadata?.httpStatusCode ?? 0) >= 500 || !!e?.$retryable;
}

/** True when an error is a throttling error (as opposed to a transient server error). */
export function isThrottling(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return name === 'TooManyRequestsException' || name.startsWith('Throttling') || name === 'SlowDown';
}

/** How to retry. */
export interface RetryOptions {
  readonly clock: Clock;
  /** Clock time after which no new attempt starts. */
  readonly deadline: number;
  /** The first backoff ceiling. */
  readonly baseDelayMs?: number;
  /** The largest backoff ceiling. */
  readonly maxDelayMs?: number;
  /** Random numbers in [0, 1). */
  readonly random?: () => number;
  /** Called before each retry, with the error that caused it. */
  readonly onRetry?: (error: unknown) => void;
}

/**
 * Calls `fn` until it succeeds, retrying throttling and transient errors with exponential backoff
 * and full jitter (sleep a random time up to min(max, base * 2^attempt)). Gives up at the deadline.
 * The ceiling is low because callers also pace every attempt through a RateLimiter: the total
 * request rate stays bounded however often a call is retried, so backoff only has to spread
 * retries out, not to shed load.
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2_000;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error)) {
        throw error;
      }
      const delay = Math.floor(random() * Math.min(max, base * 2 ** attempt));
      if (options.clock.now() + delay >= options.deadline) {
        // The time limit cut the retries short: work that can go on in a fresh invocation does.
        throw new DeadlineReached(what, `${what}: still throttled or failing after ${attempt + 1} attempts when the invocation's time limit came ` +
          `(${(error as Error).name}: ${(error as Error).message}).`);
      }
      options.onRetry?.(error);
      await options.clock.sleep(delay);
    }
  }
}
