// The webhook outbox: the shared durable outbox (../outbox.ts) in the webhook_deliveries table.
import type { Db } from '../../store/db.js'
import { DeliveryOutbox, type RetryPolicy } from '../outbox.js'

export { laneOf, toView, type AttemptFailure, type Delivery, type DeliveryStatus, type DeliveryView, type NewDelivery, type RetryPolicy } from '../outbox.js'

export class WebhookOutbox extends DeliveryOutbox {
  constructor(db: Db, policy: RetryPolicy, now: () => number = Date.now) {
    super(db, 'webhook_deliveries', policy, now)
  }
}
