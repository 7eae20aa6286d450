// Idempotency-Key records in the gateway's SQLite file (DATA_DIR/gateway.db). Each claim is one
// transaction, so two requests racing on the same key can never both start.
import type { Db } from './db.js'
import type { ClaimResult, IdempotencyClaim, IdempotencyStore, StoredResponse } from './idempotency-types.js'

interface Row {
  request_hash: string
  /** retryable: a run whose answer was not kept (transient failure); the next claim runs it again with the same seed */
  state: 'running' | 'done' | 'retryable'
  owner: string
  seed: string
  status: number | null
  body: string | null
  headers: string | null
  expires_at: number
}

export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly st

  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, state TEXT NOT NULL,
        owner TEXT NOT NULL, seed TEXT NOT NULL, status INTEGER, body TEXT, headers TEXT,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at);
    `)
    this.st = {
      get: db.prepare<[string, string], Row>(
        'SELECT request_hash, state, owner, seed, status, body, headers, expires_at FROM idempotency_keys WHERE scope = ? AND key = ?'),
      upsert: db.prepare(`INSERT OR REPLACE INTO idempotency_keys (scope, key, request_hash, state, owner, seed, created_at, expires_at)
        VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`),
      takeOver: db.prepare(`UPDATE idempotency_keys SET owner = ?, state = 'running' WHERE scope = ? AND key = ?`),
      complete: db.prepare(`UPDATE idempotency_keys SET state = 'done', status = ?, body = ?, headers = ?
        WHERE scope = ? AND key = ? AND owner = ? AND state = 'running'`),
      release: db.prepare(`UPDATE idempotency_keys SET state = 'retryable' WHERE scope = ? AND key = ? AND owner = ? AND state = 'running'`),
      purge: db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?'),
    }
  }

  // async only for the interface's sake (a Postgres store is truly async): SQLite errors become rejections.
  async claim(c: IdempotencyClaim): Promise<ClaimResult> {
    return this.db.transaction((): ClaimResult => {
      const row = this.st.get.get(c.scope, c.key)
      if (!row || row.expires_at <= c.now) {
        this.st.upsert.run(c.scope, c.key, c.requestHash, c.owner, c.seed, c.now, c.expiresAt)
        return { outcome: 'started', seed: c.seed, resumed: false }
      }
      if (row.request_hash !== c.requestHash) return { outcome: 'mismatch' }
      if (row.state === 'done') {
        const headers = row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {}
        return { outcome: 'replay', response: { status: row.status ?? 200, body: row.body ?? 'null', headers } }
      }
      if (row.state === 'running' && row.owner === c.owner) return { outcome: 'in-progress' }
      this.st.takeOver.run(c.owner, c.scope, c.key)
      return { outcome: 'started', seed: row.seed, resumed: true }
    }).immediate()
  }

  async complete(scope: string, key: string, owner: string, r: StoredResponse): Promise<void> {
    this.st.complete.run(r.status, r.body, JSON.stringify(r.headers), scope, key, owner)
  }

  async release(scope: string, key: string, owner: string): Promise<void> {
    this.st.release.run(scope, key, owner)
  }

  async purgeExpired(now: number): Promise<number> {
    return this.st.purge.run(now).changes
  }
}
