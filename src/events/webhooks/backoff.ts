// Retry schedule of webhook deliveries: capped exponential backoff with jitter, so a receiver
// that comes back is not hit by every queued lane in the same millisecond.
export interface RetryPolicy {
  baseMs: number
  capMs: number
  maxAttempts: number
}

/**
 * Delay before the next try after `attempt` failed tries (1-based): a random value in
 * [ceiling/2, ceiling] where ceiling = min(cap, base · 2^(attempt-1)).
 */
export function retryDelay(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
