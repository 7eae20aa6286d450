// Storage contract of the Idempotency-Key records (the HTTP middleware in src/http/idempotency.ts
// is its only user). Default: SQLite in gateway.db; a Postgres implementation implements the same.

/** An answer kept for replay: status, JSON body text and the few headers worth repeating. */
export interface StoredResponse {
  status: number
  body: string
  headers: Record<string, string>
}

export interface IdempotencyClaim {
  /** Whose key it is: a hash of the caller's credential (two API keys may use the same key string). */
  scope: string
  key: string
  /** Canonical hash of method, path and body (see requestHash in the middleware). */
  requestHash: string
  /** The process (app instance) claiming it; a running row of another owner was left by a crash. */
  owner: string
  /** Random, stored with the row: the fixed ids of a keyed send (message id, batch id) derive from it. */
  seed: string
  now: number
  expiresAt: number
}

export type ClaimResult =
  /** This caller runs the request; `seed` is the row's (kept from a crashed run when `resumed`). */
  | { outcome: 'started'; seed: string; resumed: boolean }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'in-progress' }
  | { outcome: 'mismatch' }

export interface IdempotencyStore {
  /**
   * Atomically: no row (or an expired one) → insert `running` and start; a different request hash
   * → mismatch; done → replay; running by this owner → in-progress; running by another owner (its
   * process is gone) or released → run it again, keeping the seed. With several processes sharing one store the
   * last rule needs a lease instead of an owner id; a shared (Postgres) implementation must add one.
   */
  claim(c: IdempotencyClaim): Promise<ClaimResult>
  /** Keeps the answer of a run this owner holds. */
  complete(scope: string, key: string, owner: string, response: StoredResponse): Promise<void>
  /** A run this owner holds ended without a kept answer (a transient failure): the next claim runs it again, same seed. */
  release(scope: string, key: string, owner: string): Promise<void>
  /** Deletes rows past their expiry; returns how many. */
  purgeExpired(now: number): Promise<number>
}
