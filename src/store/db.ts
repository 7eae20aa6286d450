// The gateway's one embedded database (DATA_DIR/gateway.db, SQLite in WAL mode). The store, the
// bulk-send queue and the webhook outbox each keep their own tables in it.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export type Db = Database.Database

export function openDatabase(dataDir: string, file = 'gateway.db'): Db {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, file))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  return db
}
