// Scoped API keys (besides the admin AUTH key): each has a name and token patterns; the key itself
// is shown once at creation and kept only as a SHA-256 hash (keys are 192 random bits, so a plain
// hash is enough: nothing to brute-force).
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Db } from './db.js'

export interface ApiKeyRecord {
  id: string
  name: string
  tokens: string[]
  createdAt: string
  lastUsedAt: string | null
}

export interface ApiKeyStore {
  /** Creates a key; the returned `key` is never stored nor shown again. */
  create(name: string, tokens: string[]): Promise<ApiKeyRecord & { key: string }>
  list(): Promise<ApiKeyRecord[]>
  /** Deletes (revokes) a key; false when there is none with that id. */
  remove(id: string): Promise<boolean>
  /** The key's record, or undefined for an unknown or revoked key. */
  find(key: string): Promise<ApiKeyRecord | undefined>
  /** Records a use (written at most once a minute per key). */
  touch(id: string): Promise<void>
}

interface Row { id: string; name: string; tokens: string; created_at: string; last_used_at: string | null }

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex')
const toRecord = (r: Row): ApiKeyRecord => ({
  id: r.id, name: r.name, tokens: JSON.parse(r.tokens) as string[], createdAt: r.created_at, lastUsedAt: r.last_used_at,
})
const TOUCH_EVERY_MS = 60_000

export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly lastTouch = new Map<string, number>()

  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, tokens TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL, last_used_at TEXT)`)
  }

  async create(name: string, tokens: string[]): Promise<ApiKeyRecord & { key: string }> {
    const key = `wak_${randomBytes(24).toString('base64url')}`
    const row: Row = { id: randomUUID(), name, tokens: JSON.stringify(tokens), created_at: new Date().toISOString(), last_used_at: null }
    this.db.prepare('INSERT INTO api_keys (id, name, tokens, hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, row.name, row.tokens, hashOf(key), row.created_at)
    return { ...toRecord(row), key }
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.db.prepare<[], Row>('SELECT id, name, tokens, created_at, last_used_at FROM api_keys ORDER BY created_at').all().map(toRecord)
  }

  async remove(id: string): Promise<boolean> {
    this.lastTouch.delete(id)
    return this.db.prepare('DELETE FROM api_keys WHERE id = ?').run(id).changes > 0
  }

  async find(key: string): Promise<ApiKeyRecord | undefined> {
    const row = this.db.prepare<[string], Row>('SELECT id, name, tokens, created_at, last_used_at FROM api_keys WHERE hash = ?').get(hashOf(key))
    return row ? toRecord(row) : undefined
  }

  async touch(id: string): Promise<void> {
    const now = Date.now()
    if (now - (this.lastTouch.get(id) ?? 0) < TOUCH_EVERY_MS) return
    this.lastTouch.set(id, now)
    this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(new Date(now).toISOString(), id)
  }
}
