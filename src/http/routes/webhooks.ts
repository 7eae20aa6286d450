// Per-instance webhook (set / read / remove) and its deliveries: list, replay one, replay all dead.
import { body, param, query } from 'express-validator'
import { conflict, notFound } from '../../errors.js'
import { toView, type DeliveryStatus, type DeliveryView, type WebhookOutbox } from '../../events/webhooks/outbox.js'
import { WEBHOOK_EVENT_NAMES, type WebhookTargets } from '../../events/webhooks/targets.js'
import type { Request } from 'express'
import { defineRoutes } from '../route.js'
import { scopeOf } from '../scope.js'
import { single, tokenIn } from '../validators.js'

export interface WebhookRouteDeps {
  targets: WebhookTargets
  outbox: WebhookOutbox
  /** Wakes the dispatcher after a replay. */
  kick(): void
  /** Why a receiver URL is refused (WEBHOOK_ALLOW_PRIVATE=false, or any private address for a scoped key), or undefined. */
  urlRefusal?(url: string, scoped: boolean): Promise<string | undefined>
}

const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'dead']
const EVENT_CHOICES = ['*', ...WEBHOOK_EVENT_NAMES]

const isHttpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string' || v.length > 2048) return false
  try {
    const u = new URL(v)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== ''
  } catch {
    return false
  }
}

export function webhookRoutes(deps: WebhookRouteDeps) {
  const base = '/whatsapp/instances/:token/webhook'
  return defineRoutes([
    {
      method: 'post',
      path: base,
      tag: 'Webhooks',
      summary: 'Set the instance\'s webhook {url, events? (default ["message-upsert"]; "*" = all), secret? (8-256 characters; signs X-Signature: sha256=HMAC)}; replaces any earlier one',
      validators: [
        tokenIn('param'),
        body('url').custom(isHttpUrl).withMessage('must be an http(s) URL').bail().custom(async (url: string, { req }) => {
          const refused = await deps.urlRefusal?.(url, !scopeOf(req as Request).admin)
          if (refused) throw new Error(refused)
        }),
        body('events').optional({ values: 'null' }).isArray({ min: 1, max: EVENT_CHOICES.length }).withMessage('must be a non-empty array of event names').bail()
          .custom((list: unknown[]) => list.every((e) => typeof e === 'string' && EVENT_CHOICES.includes(e)))
          .withMessage(`may only hold ${EVENT_CHOICES.join(', ')}`),
        body('secret').optional({ values: 'null' }).isString().withMessage('must be a string').bail()
          .isLength({ min: 8, max: 256 }).withMessage('must be 8-256 characters'),
      ],
      handler: (req) => {
        const b = req.body as { url: string; events?: string[] | null; secret?: string | null }
        const publicOnly = !scopeOf(req).admin // a scoped key may never aim deliveries at private addresses
        return deps.targets.set(String(req.params.token), { url: b.url, events: b.events ?? undefined, secret: b.secret ?? undefined, publicOnly })
      },
    },
    {
      method: 'get',
      path: base,
      tag: 'Webhooks',
      summary: 'The instance\'s webhook {token, url, events, hasSecret} (the secret itself is never shown)',
      validators: [tokenIn('param')],
      handler: (req) => {
        const token = String(req.params.token)
        const view = deps.targets.view(token)
        if (!view) throw notFound(`instance "${token}" has no webhook of its own (the global WEBHOOK, if set, still applies)`)
        return view
      },
    },
    {
      method: 'delete',
      path: base,
      tag: 'Webhooks',
      summary: 'Remove the instance\'s webhook (queued deliveries to it are still sent)',
      validators: [tokenIn('param')],
      handler: (req) => {
        const token = String(req.params.token)
        if (!deps.targets.remove(token)) throw notFound(`instance "${token}" has no webhook of its own`)
        return { token, removed: true }
      },
    },
    {
      method: 'get',
      path: `${base}/deliveries`,
      tag: 'Webhooks',
      summary: 'Recent deliveries of the instance, newest first: status (pending|delivered|dead), attempts, lastStatus, lastError, lastAnswer; ?status=&limit= (default 50, max 500)',
      validators: [
        tokenIn('param'),
        single(query('status').optional()).isIn(STATUSES).withMessage(`must be one of ${STATUSES.join(', ')}`),
        single(query('limit').optional()).isInt({ min: 1, max: 500 }).withMessage('must be a whole number from 1 to 500'),
      ],
      handler: (req): DeliveryView[] => {
        const status = req.query.status as DeliveryStatus | undefined
        const limit = req.query.limit === undefined ? 50 : Number(req.query.limit)
        return deps.outbox.list(String(req.params.token), { status, limit })
      },
    },
    {
      method: 'post',
      path: `${base}/deliveries/replay-dead`,
      tag: 'Webhooks',
      summary: 'Re-queue every dead delivery of the instance (attempts start again from 0)',
      validators: [tokenIn('param')],
      handler: (req) => {
        const replayed = deps.outbox.replayDead(String(req.params.token))
        if (replayed) deps.kick()
        return { replayed }
      },
    },
    {
      method: 'post',
      path: `${base}/deliveries/:id/replay`,
      tag: 'Webhooks',
      summary: 'Re-queue one dead delivery (same X-Delivery-Id, so receivers can still dedupe)',
      validators: [tokenIn('param'), param('id').isUUID().withMessage('must be a delivery id (UUID)')],
      handler: (req) => {
        const token = String(req.params.token)
        const id = String(req.params.id)
        const result = deps.outbox.replay(token, id)
        if (result === 'not-found') throw notFound(`delivery "${id}" not found for instance "${token}"`)
        if (result === 'not-dead') throw conflict(`delivery "${id}" is not dead (only dead deliveries can be replayed)`)
        deps.kick()
        return toView(result)
      },
    },
  ])
}
