// Builds the webhook part: targets (global + per instance), the SQLite outbox, the router that
// queues deliveries from bus events, the dispatcher that sends them, and their /metrics.
import { Gauge } from 'prom-client'
import type { Config } from '../../config/index.js'
import type { Logger } from '../../logger.js'
import type { Metrics } from '../../metrics.js'
import type { Db } from '../../store/db.js'
import type { EventBus } from '../bus.js'
import { WebhookDispatcher } from './dispatcher.js'
import { WebhookOutbox } from './outbox.js'
import { routeEventsToOutbox } from './router.js'
import { WebhookTargets } from './targets.js'
import { publicOnly, urlRefusal } from '../../util/net-guard.js'

export interface WebhookDeps {
  db: Db
  bus: EventBus
  logger: Logger
  metrics?: Metrics
  config: Pick<Config, 'webhook' | 'webhookSecret' | 'webhookEvents' | 'webhookRetryBaseMs' | 'webhookRetryCapMs'
    | 'webhookMaxAttempts' | 'webhookTimeoutMs' | 'webhookConcurrency' | 'webhookKeepDays'> & Partial<Pick<Config, 'webhookAllowPrivate'>>
  ownJid(token: string): string | undefined
}

export interface Webhooks {
  targets: WebhookTargets
  outbox: WebhookOutbox
  dispatcher: WebhookDispatcher
  /** Why a receiver URL is refused under WEBHOOK_ALLOW_PRIVATE=false (checked again on every delivery), or undefined. */
  urlRefusal(url: string, scoped: boolean): Promise<string | undefined>
  /** Starts delivering (call once the app listens); pending rows of earlier runs resume. */
  start(): void
  /** Stops timers and requests and unsubscribes from the bus; queued rows stay for the next start. */
  stop(): Promise<void>
}

export function createWebhooks(deps: WebhookDeps): Webhooks {
  const { config, metrics } = deps
  const targets = new WebhookTargets(deps.db, { url: config.webhook, secret: config.webhookSecret, events: config.webhookEvents })
  const outbox = new WebhookOutbox(deps.db, {
    baseMs: config.webhookRetryBaseMs, capMs: config.webhookRetryCapMs, maxAttempts: config.webhookMaxAttempts,
  })
  const delivered = metrics?.counter('wa_webhook_delivered_total', 'Webhook deliveries answered with 2xx', ['event'])
  const failed = metrics?.counter('wa_webhook_failed_attempts_total', 'Webhook delivery attempts that failed (non-2xx, timeout, connection error)', ['event'])
  const dead = metrics?.counter('wa_webhook_dead_total', 'Webhook deliveries dead-lettered after the last attempt', ['event'])
  if (metrics) {
    new Gauge({
      name: 'wa_webhook_queue_depth', help: 'Webhook deliveries waiting to be sent (pending)', registers: [metrics.registry],
      collect() {
        this.set(outbox.depth())
      },
    })
  }
  const policy = config.webhookAllowPrivate === false ? publicOnly : undefined
  const dispatcher = new WebhookDispatcher(outbox, deps.bus, deps.logger, {
    timeoutMs: config.webhookTimeoutMs, concurrency: config.webhookConcurrency, keepMs: config.webhookKeepDays * 86_400_000, policy,
    publicOnlyFor: (d) => targets.publicOnly(d.token, d.url),
  }, {
    delivered: (d) => delivered?.inc({ event: d.event }),
    failed: (d) => {
      failed?.inc({ event: d.event })
      if (d.status === 'dead') dead?.inc({ event: d.event })
    },
  })
  const unsubscribe = routeEventsToOutbox({
    bus: deps.bus, targets, outbox, logger: deps.logger, ownJid: deps.ownJid,
    onEnqueued: (rows) => dispatcher.notify(rows),
  })
  return {
    targets, outbox, dispatcher,
    urlRefusal: async (url, scoped) => {
      if (scoped) return urlRefusal(url, publicOnly, 'a scoped API key (public addresses only)')
      return policy ? urlRefusal(url, policy, 'WEBHOOK_ALLOW_PRIVATE') : undefined
    },
    start: () => dispatcher.start(),
    stop: async () => {
      unsubscribe()
      await dispatcher.stop()
    },
  }
}
