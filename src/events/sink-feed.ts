// What the outbox sinks (webhooks, AMQP) share on the bus side: the body every event is sent as,
// the chat that orders it, and one subscription that hands them each instance event.
import type { Logger } from '../logger.js'
import { jsonReplacer } from '../store/serialize.js'
import type { EventBus, GatewayEventName, GatewayEvents } from './bus.js'

/** The JSON body: the seed's {token, key, message} plus `event`, `chat`, `sender` for messages; {event, token, …payload} otherwise. */
export function webhookBody<E extends GatewayEventName>(event: E, payload: GatewayEvents[E]): string {
  if (event === 'message-upsert') {
    const p = payload as GatewayEvents['message-upsert']
    return JSON.stringify({ event, token: p.token, key: p.key, message: p.message, chat: p.chat, sender: p.sender }, jsonReplacer)
  }
  return JSON.stringify({ event, ...payload }, jsonReplacer)
}

/** The ordering lane inside a target: the chat of message events, '' for instance-level ones. */
export function chatOfEvent(payload: unknown): string {
  const p = payload as { key?: { remoteJid?: string | null }; id?: unknown }
  if (p.key?.remoteJid) return p.key.remoteJid
  return typeof p.id === 'string' ? p.id : ''
}

/**
 * Calls `queue` for every event of an instance (webhook delivery reports excluded: they would loop).
 * It runs in the emitter's synchronous step, so a row written there survives a SIGKILL right after;
 * its errors are logged and never break the event path (Baileys emits synchronously into the bus).
 */
export function feedInstanceEvents(
  bus: EventBus, logger: Logger, sink: string,
  queue: <E extends GatewayEventName>(token: string, event: E, payload: GatewayEvents[E]) => void,
): () => void {
  return bus.onAny((event, payload) => {
    if (event === 'webhook-delivery') return
    const token = (payload as { token?: unknown }).token
    if (typeof token !== 'string') return
    try {
      queue(token, event, payload)
    } catch (err) {
      logger.error({ token, event, err: String(err) }, `could not queue ${sink} delivery`)
    }
  })
}
