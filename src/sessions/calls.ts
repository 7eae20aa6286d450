// Incoming calls: REJECT_CALLS (global, each instance may override) rejects the offer and may
// send the caller a text. Settings per instance live in the gateway's SQLite file.
import type { WACallEvent, WASocket } from '@whiskeysockets/baileys'
import type { Logger } from '../logger.js'
import type { Db } from '../store/db.js'
import type { SessionObserver } from './session.js'

export interface CallSettings {
  reject: boolean
  /** sent to the caller after a rejection; none when empty */
  message?: string
}

/** Per-instance overrides of REJECT_CALLS / REJECT_CALLS_MESSAGE. */
export class CallSettingsStore {
  private readonly st

  constructor(db: Db, private readonly defaults: CallSettings) {
    db.exec(`CREATE TABLE IF NOT EXISTS instance_call_settings (
      token TEXT PRIMARY KEY, reject INTEGER NOT NULL, message TEXT) WITHOUT ROWID`)
    this.st = {
      get: db.prepare<[string], { reject: number; message: string | null }>('SELECT reject, message FROM instance_call_settings WHERE token = ?'),
      put: db.prepare('INSERT OR REPLACE INTO instance_call_settings (token, reject, message) VALUES (?, ?, ?)'),
      drop: db.prepare('DELETE FROM instance_call_settings WHERE token = ?'),
    }
  }

  /** What applies to `token`: its own settings, else the global ones. */
  get(token: string): CallSettings & { source: 'instance' | 'global' } {
    const row = this.st.get.get(token)
    if (!row) return { ...this.defaults, source: 'global' }
    return { reject: row.reject === 1, ...(row.message ? { message: row.message } : {}), source: 'instance' }
  }

  set(token: string, settings: CallSettings): void {
    this.st.put.run(token, settings.reject ? 1 : 0, settings.message ?? null)
  }

  /** Back to the global settings. */
  clear(token: string): void {
    this.st.drop.run(token)
  }
}

/** Rejects offers when the instance's settings say so; a failure is logged, never thrown. */
export function callRejecter(settings: CallSettingsStore, logger: Logger): SessionObserver {
  return {
    attach(token: string, sock: WASocket) {
      sock.ev.on('call', (calls: WACallEvent[]) => {
        for (const call of calls) {
          if (call.status !== 'offer' || call.offline) continue
          const { reject, message } = settings.get(token)
          if (!reject) continue
          void (async () => {
            await sock.rejectCall(call.id, call.from)
            if (message) await sock.sendMessage(call.from, { text: message })
          })().catch((err: unknown) => logger.warn({ token, callId: call.id, err: String(err) }, 'could not reject call'))
        }
      })
    },
  }
}
