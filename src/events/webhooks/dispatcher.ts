// Sends what the webhook outbox holds over HTTP, through the shared lane workers (../lane-workers.ts):
// events of one chat arrive in order, a failing receiver parks only its own lanes.
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import axios from 'axios'
import type { Logger } from '../../logger.js'
import { assertHostAllowed, guardedLookup, publicOnly, type AddressPolicy } from '../../util/net-guard.js'
import type { EventBus } from '../bus.js'
import { LaneWorkers } from '../lane-workers.js'
import type { AttemptFailure, Delivery, WebhookOutbox } from './outbox.js'
import { signatureHeaders } from './signing.js'

export interface DispatcherOptions {
  timeoutMs: number
  concurrency: number
  /** Delivered rows older than this are pruned (0 = keep forever). */
  keepMs: number
  /** Address policy for receivers (WEBHOOK_ALLOW_PRIVATE=false); undefined allows any address. */
  policy?: AddressPolicy
  /** Deliveries that may only reach public addresses (webhooks set by a scoped API key). */
  publicOnlyFor?: (d: Delivery) => boolean
}

export interface DispatcherHooks {
  delivered(d: Delivery): void
  failed(d: Delivery): void
}

const SNIPPET = 200
const SETTING = 'WEBHOOK_ALLOW_PRIVATE'
/** What a refusal names when the webhook was set by a scoped API key. */
const SCOPED = 'a scoped API key (public addresses only)'

/** The receiver's answer as a short line of plain text: tags, scripts and control characters gone. */
export function answerExcerpt(raw: string): string {
  const text = raw.slice(0, 64 * 1024) // bounds the regex work on a huge answer
    .replace(/<(script|style)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
    .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
    .replace(/<[^>]*>?/g, ' ')
    .replace(/&(nbsp|amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ nbsp: ' ', amp: '&', lt: '‹', gt: '›', quot: '"', '#39': "'" })[e] ?? ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ')
    .trim()
  return text.length > SNIPPET ? `${text.slice(0, SNIPPET - 1)}…` : text
}

type Outcome = { ok: true; status: number; answer: string } | ({ ok: false } & AttemptFailure)

export class WebhookDispatcher {
  private readonly aborts = new Set<AbortController>()
  private readonly lanes: LaneWorkers<Delivery, Outcome>
  private readonly httpAgent: HttpAgent
  private readonly httpsAgent: HttpsAgent
  /** For webhooks set by a scoped API key: public addresses only, whatever WEBHOOK_ALLOW_PRIVATE says. */
  private readonly publicHttpAgent: HttpAgent
  private readonly publicHttpsAgent: HttpsAgent

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly opts: DispatcherOptions,
    private readonly hooks: DispatcherHooks,
  ) {
    // No redirects are followed (maxRedirects: 0), so the one connection per attempt is the only hop.
    const lookup = opts.policy ? { lookup: guardedLookup(opts.policy, SETTING) } : {}
    this.httpAgent = new HttpAgent({ keepAlive: true, ...lookup })
    this.httpsAgent = new HttpsAgent({ keepAlive: true, ...lookup })
    const strict = { lookup: guardedLookup(publicOnly, SCOPED) }
    this.publicHttpAgent = new HttpAgent({ keepAlive: true, ...strict })
    this.publicHttpsAgent = new HttpsAgent({ keepAlive: true, ...strict })
    this.lanes = new LaneWorkers(outbox, { send: (d) => this.send(d), settle: (d, o) => this.settle(d, o) }, logger, {
      name: 'webhook', concurrency: opts.concurrency, keepMs: opts.keepMs,
    })
  }

  /** Starts sending; pending rows left by an earlier run (or a crash) go first. */
  start(): void {
    this.lanes.start()
  }

  /** Stops timers and aborts requests in flight; their rows stay pending for the next start. */
  async stop(): Promise<void> {
    this.lanes.stop()
    for (const a of this.aborts) a.abort()
    this.httpAgent.destroy()
    this.httpsAgent.destroy()
    this.publicHttpAgent.destroy()
    this.publicHttpsAgent.destroy()
  }

  /** New rows were queued: start their lanes unless a worker already runs there. */
  notify(deliveries: Delivery[]): void {
    this.lanes.notify(deliveries)
  }

  /** Looks for due lanes soon (e.g. after a replay). */
  kick(): void {
    this.lanes.kick()
  }

  /** Records the outcome; true when the lane may go on with its next row. */
  private settle(d: Delivery, outcome: Outcome): boolean {
    const base = { token: d.token, deliveryId: d.id, event: d.event }
    if (outcome.ok) {
      const done = this.outbox.recordSuccess(d.id, outcome.status, outcome.answer)
      this.hooks.delivered(done)
      this.bus.emit('webhook-delivery', {
        ...base, ok: true, status: outcome.status, attempts: done.attempts, info: `Your webhook is configured: ${d.event} delivered (HTTP ${outcome.status})`,
      })
      return true
    }
    const after = this.outbox.recordFailure(d.id, outcome)
    this.hooks.failed(after)
    const what = outcome.status ? `HTTP ${outcome.status}` : outcome.error
    const next = after.status === 'dead'
      ? `dead after ${after.attempts} attempts; replay it with POST /api/whatsapp/instances/${d.token}/webhook/deliveries/${d.id}/replay`
      : `retrying in ${Math.max(0, after.nextAt - Date.now())} ms`
    this.logger.warn({ token: d.token, deliveryId: d.id, attempts: after.attempts, status: outcome.status, error: outcome.error }, 'webhook delivery failed')
    this.bus.emit('webhook-delivery', {
      ...base, ok: false, ...(outcome.status ? { status: outcome.status } : {}), attempts: after.attempts,
      alert: `Webhook ${d.event} to ${safeUrl(d.url)} failed (${what}); ${next}`,
    })
    return after.status === 'dead' // a dead row no longer blocks its lane
  }

  private async send(d: Delivery): Promise<Outcome> {
    const abort = new AbortController()
    this.aborts.add(abort)
    try {
      const strict = this.opts.publicOnlyFor?.(d) ?? false
      if (this.opts.policy) assertHostAllowed(new URL(d.url).hostname, this.opts.policy, SETTING) // sockets skip lookup for literal IPs
      if (strict) assertHostAllowed(new URL(d.url).hostname, publicOnly, SCOPED)
      const res = await axios.post<string>(d.url, d.body, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'whatsapp-gateway-webhook/1',
          'x-delivery-id': d.id,
          'x-event': d.event,
          ...signing(d),
        },
        timeout: this.opts.timeoutMs,
        signal: abort.signal,
        maxRedirects: 0,
        maxContentLength: 1024 * 1024,
        responseType: 'text',
        transformRequest: [(data: string) => data],
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
        httpAgent: strict ? this.publicHttpAgent : this.httpAgent,
        httpsAgent: strict ? this.publicHttpsAgent : this.httpsAgent,
      })
      const answer = typeof res.data === 'string' ? answerExcerpt(res.data) : ''
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, answer }
      return { ok: false, status: res.status, error: `HTTP ${res.status}`, answer }
    } catch (err) {
      const e = err as { code?: string; message?: string }
      return { ok: false, error: e.code ? `${e.code}: ${e.message ?? ''}`.trim() : (e.message ?? String(err)) }
    } finally {
      this.aborts.delete(abort)
    }
  }
}

/** Each attempt is signed at send time, so X-Timestamp is the time of this attempt, not of the event. */
function signing(d: Delivery): Record<string, string> {
  if (d.secret) return signatureHeaders(d.secret, d.body)
  return d.signature ? { 'x-signature': d.signature } : {}
}

/** The URL without credentials or query (they may hold secrets) for messages shown to clients. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return '(invalid url)'
  }
}
