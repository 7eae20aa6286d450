// Where an instance's events go: the global WEBHOOK (env) and the instance's own webhook (set by
// API, kept in gateway.db). Secrets are read here and never leave through the API.
import type { Db } from '../../store/db.js'
import { ALL_EVENTS, type GatewayEventName } from '../bus.js'

/** Bus events a webhook may subscribe to (delivery reports themselves would loop). */
export const WEBHOOK_EVENT_NAMES: string[] = ALL_EVENTS.filter((e) => e !== 'webhook-delivery')
export const DEFAULT_WEBHOOK_EVENTS = ['message-upsert']

export interface InstanceWebhook {
  url: string
  events: string[]
  secret?: string
  /** Set by a scoped API key: its deliveries may only reach public addresses, whatever WEBHOOK_ALLOW_PRIVATE says. */
  publicOnly?: boolean
  createdAt: number
  updatedAt: number
}

/** The API's view: whether a secret is set, never the secret. */
export interface InstanceWebhookView {
  token: string
  url: string
  events: string[]
  hasSecret: boolean
  createdAt: number
  updatedAt: number
}

export interface Target {
  kind: 'global' | 'instance'
  url: string
  secret?: string
}

export interface GlobalWebhook {
  url?: string
  secret?: string
  events: string[]
}

interface Row { token: string; url: string; events: string; secret: string | null; created_at: number; updated_at: number; public_only: number | null }

export const wantsEvent = (events: string[], event: string): boolean => events.includes('*') || events.includes(event)

export class WebhookTargets {
  private readonly st
  private readonly cache = new Map<string, InstanceWebhook | null>()

  constructor(db: Db, private readonly global: GlobalWebhook) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS webhook_targets (
        token TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`)
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(webhook_targets)').all().map((c) => c.name)
    if (!columns.includes('public_only')) db.exec('ALTER TABLE webhook_targets ADD COLUMN public_only INTEGER')
    this.st = {
      get: db.prepare<[string], Row>('SELECT * FROM webhook_targets WHERE token = ?'),
      put: db.prepare(`
        INSERT INTO webhook_targets (token, url, events, secret, created_at, updated_at, public_only) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (token) DO UPDATE SET url = excluded.url, events = excluded.events, secret = excluded.secret,
          updated_at = excluded.updated_at, public_only = excluded.public_only`),
      remove: db.prepare('DELETE FROM webhook_targets WHERE token = ?'),
    }
  }

  /** The instance's webhook (cached: this is read for every event). */
  get(token: string): InstanceWebhook | undefined {
    if (!this.cache.has(token)) {
      const r = this.st.get.get(token)
      this.cache.set(token, r
        ? {
          url: r.url, events: JSON.parse(r.events) as string[], ...(r.secret ? { secret: r.secret } : {}),
          ...(r.public_only ? { publicOnly: true } : {}), createdAt: r.created_at, updatedAt: r.updated_at,
        }
        : null)
    }
    return this.cache.get(token) ?? undefined
  }

  view(token: string): InstanceWebhookView | undefined {
    const w = this.get(token)
    return w ? { token, url: w.url, events: w.events, hasSecret: Boolean(w.secret), createdAt: w.createdAt, updatedAt: w.updatedAt } : undefined
  }

  set(token: string, input: { url: string; events?: string[]; secret?: string; publicOnly?: boolean }): InstanceWebhookView {
    const now = Date.now()
    const events = input.events?.length ? [...new Set(input.events)] : DEFAULT_WEBHOOK_EVENTS
    this.st.put.run(token, input.url, JSON.stringify(events), input.secret ?? null, now, now, input.publicOnly ? 1 : null)
    this.cache.delete(token)
    return this.view(token)!
  }

  /** Whether a delivery of this instance to this URL must only reach public addresses. */
  publicOnly(token: string, url: string): boolean {
    const own = this.get(token)
    return Boolean(own?.publicOnly && own.url === url)
  }

  remove(token: string): boolean {
    this.cache.delete(token)
    return this.st.remove.run(token).changes > 0
  }

  /**
   * Targets of one event of one instance. The global URL's SENDER_NUMBER becomes the instance's
   * number; while that number is unknown (before the first login) the global target is skipped.
   */
  resolve(token: string, event: GatewayEventName, ownNumber: string | undefined): Target[] {
    const out: Target[] = []
    const g = this.global
    if (g.url && wantsEvent(g.events, event)) {
      const needsNumber = g.url.includes('SENDER_NUMBER')
      if (!needsNumber || ownNumber) {
        out.push({ kind: 'global', url: needsNumber ? g.url.replaceAll('SENDER_NUMBER', ownNumber!) : g.url, ...(g.secret ? { secret: g.secret } : {}) })
      }
    }
    const own = this.get(token)
    // An instance webhook without its own secret is signed with WEBHOOK_SECRET, never sent unsigned.
    const ownSecret = own?.secret ?? g.secret
    if (own && wantsEvent(own.events, event)) out.push({ kind: 'instance', url: own.url, ...(ownSecret ? { secret: ownSecret } : {}) })
    return out
  }
}
