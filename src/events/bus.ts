// Typed in-process event bus: sessions and messaging publish, and each subscriber (Socket.IO,
// store, webhooks, metrics) knows nothing of the others.
import { EventEmitter } from 'node:events'
import type { ChatIdentity, PersonIdentity } from '../util/identity.js'

export type { ChatIdentity, PersonIdentity } from '../util/identity.js'

export type SessionState = 'connecting' | 'qr' | 'open' | 'closed' | 'logged-out' | 'failed'

export interface SessionUser { id: string; name?: string; lid?: string }

/** A WhatsApp message as Baileys gives it (WAMessage); kept loose so the bus needs no Baileys types. */
export interface WireMessage {
  key: { remoteJid?: string | null; fromMe?: boolean | null; id?: string | null; participant?: string | null }
  message?: Record<string, unknown> | null
  messageTimestamp?: number | string | { toString(): string } | null
  pushName?: string | null
  status?: number | string | null
  [extra: string]: unknown
}

export interface GatewayEvents {
  /** A new QR; `data` is a PNG data URL (the seed's `qrcode` event). */
  qrcode: { token: string; data: string; qr: string; attempt: number }
  'pairing-code': { token: string; code: string; phone: string }
  'qr-timeout': { token: string; attempts: number }
  'connection-state': { token: string; state: SessionState; user?: SessionUser; reason?: string; statusCode?: number }
  'connection-open': { token: string; user: SessionUser; ppUrl: string | null }
  'logged-out': { token: string; reason: string }
  /**
   * Every incoming or outgoing message (the seed's `message-upsert`), plus who it is from and which
   * chat it is in. `key.remoteJid` is the phone jid whenever the number is known (see docs/identities.md).
   */
  'message-upsert': {
    token: string; key: WireMessage['key']; message: WireMessage; type: 'notify' | 'append'
    chat: ChatIdentity; sender: PersonIdentity
  }
  /** Status changes of messages (delivered, read, played) and edits. */
  'message-update': { token: string; key: WireMessage['key']; update: Record<string, unknown> }
  'message-receipt': { token: string; key: WireMessage['key']; receipt: Record<string, unknown> }
  /** A voice/video call to the account: offer, then timeout / reject / terminate / accept. */
  call: { token: string; id: string; from: Omit<PersonIdentity, 'name'>; status: string; isVideo: boolean; isGroup: boolean }
  'group-update': { token: string; id: string; action: string; participants?: string[]; author?: string; update?: Record<string, unknown> }
  'send-progress': { token: string; batchId: string; done: number; total: number; sent: number; failed: number; lastResult: { number: string; ok: boolean; id?: string; error?: string } }
  'send-complete': { token: string; batchId: string; total: number; sent: number; failed: number }
  'scheduler-run': { token: string; id: string; ok: boolean; result?: unknown; error?: string }
  'webhook-delivery': { token: string; deliveryId: string; event: string; ok: boolean; status?: number; attempts: number; info?: string; alert?: string }
}

export type GatewayEventName = keyof GatewayEvents

export class EventBus {
  private readonly emitter = new EventEmitter()

  constructor() {
    // Many subscribers per event (Socket.IO, store, webhooks, metrics, tests) is normal.
    this.emitter.setMaxListeners(0)
  }

  emit<E extends GatewayEventName>(event: E, payload: GatewayEvents[E]): void {
    this.emitter.emit(event, payload)
  }

  on<E extends GatewayEventName>(event: E, fn: (payload: GatewayEvents[E]) => void): () => void {
    this.emitter.on(event, fn)
    return () => this.emitter.off(event, fn)
  }

  /** Every event with its name: for forwarders such as Socket.IO and webhooks. */
  onAny(fn: <E extends GatewayEventName>(event: E, payload: GatewayEvents[E]) => void): () => void {
    const names = ALL_EVENTS
    const offs = names.map((name) => this.on(name, (p) => fn(name, p)))
    return () => offs.forEach((off) => off())
  }
}

export const ALL_EVENTS: GatewayEventName[] = [
  'qrcode', 'pairing-code', 'qr-timeout', 'connection-state', 'connection-open', 'logged-out',
  'message-upsert', 'message-update', 'message-receipt', 'call', 'group-update', 'send-progress', 'send-complete',
  'scheduler-run', 'webhook-delivery',
]
