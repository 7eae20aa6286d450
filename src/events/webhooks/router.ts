// Bus → outbox: for every event an instance's webhooks want, one row per target is written
// in the same synchronous step as the event itself (a SIGKILL right after loses nothing). Sending
// happens later, in the dispatcher; nothing here waits on the network.
import { jsonReplacer } from '../../store/serialize.js'
import type { Logger } from '../../logger.js'
import type { EventBus, GatewayEventName, GatewayEvents } from '../bus.js'
import type { Delivery, WebhookOutbox } from './outbox.js'
import { jidUser } from '../../messaging/jid.js'
import type { WebhookTargets } from './targets.js'

export interface RouterDeps {
  bus: EventBus
  targets: WebhookTargets
  outbox: WebhookOutbox
  logger: Logger
  /** The instance's own jid while known (e.g. from the session manager). */
  ownJid(token: string): string | undefined
  onEnqueued(deliveries: Delivery[]): void
}

/** The JSON body: the seed's {token, key, message} plus `event` for messages; {event, token, …payload} otherwise. */
export function webhookBody<E extends GatewayEventName>(event: E, payload: GatewayEvents[E]): string {
  if (event === 'message-upsert') {
    const p = payload as GatewayEvents['message-upsert']
    return JSON.stringify({ event, token: p.token, key: p.key, message: p.message }, jsonReplacer)
  }
  return JSON.stringify({ event, ...payload }, jsonReplacer)
}

/** The ordering lane inside a target: the chat of message events, '' for instance-level ones. */
export function chatOfEvent(payload: unknown): string {
  const p = payload as { key?: { remoteJid?: string | null }; id?: unknown }
  if (p.key?.remoteJid) return p.key.remoteJid
  return typeof p.id === 'string' ? p.id : ''
}

export function routeEventsToOutbox(deps: RouterDeps): () => void {
  const lastNumber = new Map<string, string>()
  return deps.bus.onAny((event, payload) => {
    if (event === 'webhook-delivery') return
    const token = (payload as { token?: unknown }).token
    if (typeof token !== 'string') return
    try {
      const user = (payload as { user?: { id?: string } }).user
      const known = jidUser(user?.id) ?? jidUser(deps.ownJid(token))
      if (known) lastNumber.set(token, known)
      const targets = deps.targets.resolve(token, event, known ?? lastNumber.get(token))
      if (targets.length === 0) return
      const body = webhookBody(event, payload)
      const chat = chatOfEvent(payload)
      const rows = deps.outbox.enqueue(targets.map((t) => ({
        token, url: t.url, chat, event, body, ...(t.secret ? { secret: t.secret } : {}),
      })))
      deps.onEnqueued(rows)
    } catch (err) {
      // Never let a webhook problem break the event path (Baileys emits synchronously into the bus).
      deps.logger.error({ token, event, err: String(err) }, 'could not queue webhook delivery')
    }
  })
}
