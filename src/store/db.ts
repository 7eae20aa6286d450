// The gateway's one embedded database (DATA_DIR/gateway.db, SQLite in WAL mode). The store, the
// bulk-send queue and the webhook outbox each keep their own tables in it.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { ensurePrivateDbFile, ensurePrivateDir } from '../util/private-files.js'

export type Db = Database.Database

export function openDatabase(dataDir: string, file = 'gateway.db'): Db {
  ensurePrivateDir(dataDir) // messages, webhook secrets and the generated AUTH key live here
  const path = join(dataDir, file)
  ensurePrivateDbFile(path)
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  return db
}
