// The one retry schedule (session reconnects, webhook deliveries): capped exponential backoff with
// jitter, so clients that come back after an outage are not retried all in the same millisecond.

/**
 * Delay before the next try after `attempt` failed tries (1-based): a random value in
 * [ceiling/2, ceiling] where ceiling = min(cap, base · 2^(attempt-1)).
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
