// Auth state per token: CREDENTIALS_DIR/<token>/creds.json (atomic writes) + keys.db (SQLite, WAL).
// Replaces Baileys' multi-file auth state helper, which writes ~800 files per login and leaks a lock per path.
import Database from 'better-sqlite3'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { BufferJSON, initAuthCreds, proto } from '@whiskeysockets/baileys'
import type { AuthenticationCreds, AuthenticationState, SignalDataSet, SignalDataTypeMap } from '@whiskeysockets/baileys'
import { writeFileAtomic } from '../util/atomic-write.js'
import { ensurePrivateDbFile, ensurePrivateDir } from '../util/private-files.js'

export interface AuthHandle {
  state: AuthenticationState
  /** Rejects when this save failed (disk full, permission); the caller reports it. */
  saveCreds(): Promise<void>
  /** Resolves when the last requested save is on disk; rejects when that save failed. */
  flush(): Promise<void>
  close(): void
}

/** Where sessions keep their credentials; the default is one folder per token on disk. */
export interface AuthStore {
  open(token: string): AuthHandle
  hasCreds(token: string): boolean
  /** True when saved credentials are paired; reads without keeping anything open. */
  isPairedSaved(token: string): boolean
  remove(token: string): void
  /** Tokens with saved, paired credentials (for autostart). */
  listSaved(): string[]
  /** Removes folders of logins that never finished (e.g. a QR not scanned before a crash); returns their tokens. */
  removeUnpaired(): string[]
}

/** Paired = the phone accepted this device (pair-success gave us an account); not just a pending code. */
export const isPaired = (creds: AuthenticationCreds): boolean => Boolean(creds.me && creds.account)

const serialize = (value: unknown) => JSON.stringify(value, BufferJSON.replacer)
const deserialize = <T>(text: string): T => JSON.parse(text, BufferJSON.reviver) as T

/** Writes a file atomically with a mode; injectable so tests can make one instance's disk fail. */
export type FileWriter = (path: string, data: string, mode: number) => Promise<void>

export class SqliteAuthStore implements AuthStore {
  constructor(private readonly dir: string, private readonly writeFile: FileWriter = writeFileAtomic) {
    ensurePrivateDir(dir)
  }

  private folder(token: string) {
    return join(this.dir, token)
  }

  hasCreds(token: string): boolean {
    return existsSync(join(this.folder(token), 'creds.json'))
  }

  listSaved(): string[] {
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && this.hasCreds(d.name))
      .map((d) => d.name)
      .filter((token) => this.isPairedSaved(token))
  }

  isPairedSaved(token: string): boolean {
    try {
      return isPaired(deserialize<AuthenticationCreds>(readFileSync(join(this.folder(token), 'creds.json'), 'utf8')))
    } catch {
      return false // missing, or corrupt: left for a human to look at, not autostarted
    }
  }

  removeUnpaired(): string[] {
    const removed: string[] = []
    for (const d of readdirSync(this.dir, { withFileTypes: true })) {
      if (!d.isDirectory()) continue
      const credsFile = join(this.dir, d.name, 'creds.json')
      let paired: boolean
      try {
        paired = existsSync(credsFile) && isPaired(deserialize<AuthenticationCreds>(readFileSync(credsFile, 'utf8')))
      } catch {
        continue // a corrupt file is left for a human to look at
      }
      if (paired) continue
      this.remove(d.name)
      removed.push(d.name)
    }
    return removed
  }

  remove(token: string): void {
    rmSync(this.folder(token), { recursive: true, force: true })
  }

  open(token: string): AuthHandle {
    const folder = this.folder(token)
    ensurePrivateDir(folder)
    const credsFile = join(folder, 'creds.json')
    const creds: AuthenticationCreds = existsSync(credsFile)
      ? deserialize<AuthenticationCreds>(readFileSync(credsFile, 'utf8'))
      : initAuthCreds()

    const keysFile = join(folder, 'keys.db')
    ensurePrivateDbFile(keysFile)
    const db = new Database(keysFile)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec('CREATE TABLE IF NOT EXISTS keys (type TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (type, id)) WITHOUT ROWID')
    const select = db.prepare<[string, string], { value: string }>('SELECT value FROM keys WHERE type = ? AND id = ?')
    const upsert = db.prepare('INSERT INTO keys (type, id, value) VALUES (?, ?, ?) ON CONFLICT(type, id) DO UPDATE SET value = excluded.value')
    const remove = db.prepare('DELETE FROM keys WHERE type = ? AND id = ?')
    // One transaction per key set: 800 pre-keys land in one fsync, and a crash leaves all or none.
    const writeSet = db.transaction((data: SignalDataSet) => {
      for (const [type, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) remove.run(type, id)
          else upsert.run(type, id, serialize(value))
        }
      }
    })

    let closed = false
    let pendingSave: Promise<void> = Promise.resolve()
    return {
      state: {
        creds,
        keys: {
          get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
            const out: { [id: string]: SignalDataTypeMap[T] } = {}
            if (closed) return out
            for (const id of ids) {
              const row = select.get(type, id)
              if (!row) continue
              let value = deserialize<SignalDataTypeMap[T]>(row.value)
              if (type === 'app-state-sync-key') {
                value = proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T]
              }
              out[id] = value
            }
            return out
          },
          set: async (data: SignalDataSet) => {
            if (!closed) writeSet(data)
          },
          clear: async () => {
            if (!closed) db.exec('DELETE FROM keys')
          },
        },
      },
      // Saves are chained so an older snapshot never lands after a newer one; a failed save does
      // not stop the next one (which may succeed and supersede it), but is never swallowed.
      saveCreds: () => {
        pendingSave = pendingSave.catch(() => undefined).then(() => this.writeFile(credsFile, serialize(creds), 0o600))
        return pendingSave
      },
      flush: () => pendingSave,
      close: () => {
        if (closed) return
        closed = true
        db.close()
      },
    }
  }
}
