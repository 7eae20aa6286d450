// Settings of one instance that outlive a restart of the gateway (today: its proxy). Kept in the
// gateway database, next to nothing secret from WhatsApp; a proxy password is masked in listings.
import type { Db } from '../store/db.js'

export interface InstanceSettings {
  proxy?: string
}

export interface InstanceSettingsStore {
  get(token: string): Promise<InstanceSettings>
  set(token: string, settings: InstanceSettings): Promise<void>
  remove(token: string): Promise<void>
}

export class SqliteInstanceSettings implements InstanceSettingsStore {
  constructor(private readonly db: Db) {
    db.exec('CREATE TABLE IF NOT EXISTS instance_settings (token TEXT PRIMARY KEY, proxy TEXT)')
  }

  async get(token: string): Promise<InstanceSettings> {
    const row = this.db.prepare<[string], { proxy: string | null }>('SELECT proxy FROM instance_settings WHERE token = ?').get(token)
    return row?.proxy ? { proxy: row.proxy } : {}
  }

  async set(token: string, settings: InstanceSettings): Promise<void> {
    this.db.prepare('INSERT INTO instance_settings (token, proxy) VALUES (?, ?) ON CONFLICT(token) DO UPDATE SET proxy = excluded.proxy')
      .run(token, settings.proxy ?? null)
  }

  async remove(token: string): Promise<void> {
    this.db.prepare('DELETE FROM instance_settings WHERE token = ?').run(token)
  }
}

/** In memory, for tests and embedders that keep no settings. */
export class MemoryInstanceSettings implements InstanceSettingsStore {
  private readonly map = new Map<string, InstanceSettings>()
  async get(token: string): Promise<InstanceSettings> {
    return { ...this.map.get(token) }
  }
  async set(token: string, settings: InstanceSettings): Promise<void> {
    this.map.set(token, { ...settings })
  }
  async remove(token: string): Promise<void> {
    this.map.delete(token)
  }
}
