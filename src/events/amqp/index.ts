// Events to RabbitMQ: every instance event (the webhook body) is written to the amqp_outbox table in
// the event's own synchronous step, then published to a durable topic exchange with routing key
// `<token>.<event>`, persistent, and settled only on the broker's confirm. While the broker is down
// the lanes pause (message handling never waits for it) and resume in order once it is back.
import { Gauge } from 'prom-client'
import type { Config } from '../../config/index.js'
import type { Logger } from '../../logger.js'
import type { Metrics } from '../../metrics.js'
import type { Db } from '../../store/db.js'
import type { EventBus } from '../bus.js'
import { LaneWorkers } from '../lane-workers.js'
import { DeliveryOutbox, type Delivery } from '../outbox.js'
import { chatOfEvent, feedInstanceEvents, webhookBody } from '../sink-feed.js'
import { wantsEvent } from '../webhooks/targets.js'
import { AmqpLink, safeAmqpUrl } from './link.js'

export interface AmqpDeps {
  db: Db
  bus: EventBus
  logger: Logger
  metrics?: Metrics
  config: Required<Pick<Config, 'amqpUrl'>> & Pick<Config, 'amqpExchange' | 'amqpEvents' | 'amqpRetryBaseMs' | 'amqpRetryCapMs'>
}

export interface AmqpSink {
  outbox: DeliveryOutbox
  connected(): boolean
  /** Connects and starts publishing (call once the app listens); rows of earlier runs go first. */
  start(): void
  /** Unsubscribes, stops publishing and closes the connection; queued rows stay for the next start. */
  stop(): Promise<void>
}

/** Lanes publishing at once (a confirm round trip each). */
const CONCURRENCY = 16
/** Published rows are only kept for a look in the database; nothing reads them back. */
const KEEP_PUBLISHED_MS = 60 * 60 * 1000

type Outcome = { ok: true } | { ok: false; error: string }

export const routingKey = (token: string, event: string): string => `${token}.${event}`

export function createAmqp(deps: AmqpDeps): AmqpSink {
  const { config, logger, metrics } = deps
  const exchange = config.amqpExchange
  // A broker outage never dead-letters a row: it waits (maxAttempts Infinity) and goes in order.
  const outbox = new DeliveryOutbox(deps.db, 'amqp_outbox', { baseMs: config.amqpRetryBaseMs, capMs: config.amqpRetryCapMs, maxAttempts: Infinity })
  const published = metrics?.counter('wa_amqp_published_total', 'Events confirmed by the AMQP broker', ['event'])
  const failures = metrics?.counter('wa_amqp_failed_attempts_total', 'AMQP publish attempts that failed (nack, lost connection)', ['event'])
  const link: AmqpLink = new AmqpLink({ url: config.amqpUrl, retryBaseMs: config.amqpRetryBaseMs, retryCapMs: config.amqpRetryCapMs }, exchange, logger, {
    up: () => {
      outbox.dueNow() // rows that failed while the link was dropping need not wait out their backoff
      lanes.kick()
    },
    down: (reason) => logger.warn({ reason, pending: outbox.depth() }, 'AMQP publishing paused until the broker is back'),
  })
  const lanes = new LaneWorkers<Delivery, Outcome>(outbox, {
    paused: () => !link.connected,
    send: (d) => link.publish({ exchange: d.url, routingKey: routingKey(d.token, d.event), body: d.body, messageId: d.id, type: d.event, createdAt: d.createdAt })
      .then((): Outcome => ({ ok: true }), (err: unknown): Outcome => ({ ok: false, error: err instanceof Error ? err.message : String(err) })),
    settle: (d, outcome) => {
      if (outcome.ok) {
        outbox.recordSuccess(d.id)
        published?.inc({ event: d.event })
        return true
      }
      const after = outbox.recordFailure(d.id, { error: outcome.error })
      failures?.inc({ event: d.event })
      logger.warn({ token: d.token, deliveryId: d.id, attempts: after.attempts, error: outcome.error }, 'AMQP publish failed')
      return false
    },
  }, logger, { name: 'amqp', concurrency: CONCURRENCY, keepMs: KEEP_PUBLISHED_MS })
  if (metrics) {
    new Gauge({ name: 'wa_amqp_queue_depth', help: 'Events waiting to be published to AMQP (pending)', registers: [metrics.registry], collect() {
      this.set(outbox.depth())
    } })
    new Gauge({ name: 'wa_amqp_connected', help: '1 while the AMQP broker connection is up', registers: [metrics.registry], collect() {
      this.set(link.connected ? 1 : 0)
    } })
  }
  const unsubscribe = feedInstanceEvents(deps.bus, logger, 'amqp', (token, event, payload) => {
    if (!wantsEvent(config.amqpEvents, event)) return
    lanes.notify(outbox.enqueue([{ token, url: exchange, chat: chatOfEvent(payload), event, body: webhookBody(event, payload) }]))
  })
  return {
    outbox,
    connected: () => link.connected,
    start: () => {
      logger.info({ url: safeAmqpUrl(config.amqpUrl), exchange, events: config.amqpEvents }, 'publishing events to AMQP')
      lanes.start()
      link.start()
    },
    stop: async () => {
      unsubscribe()
      lanes.stop()
      await link.stop()
    },
  }
}
