// Bus → outbox: for every event an instance's webhooks want, one row per target is written
// in the same synchronous step as the event itself (a SIGKILL right after loses nothing). Sending
// happens later, in the dispatcher; nothing here waits on the network.
import type { Logger } from '../../logger.js'
import type { EventBus } from '../bus.js'
import { chatOfEvent, feedInstanceEvents, webhookBody } from '../sink-feed.js'
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

export function routeEventsToOutbox(deps: RouterDeps): () => void {
  const lastNumber = new Map<string, string>()
  return feedInstanceEvents(deps.bus, deps.logger, 'webhook', (token, event, payload) => {
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
  })
}
