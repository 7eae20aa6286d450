// Sends what the outbox holds. One worker per lane (token, URL, chat) sends that lane's rows one at
// a time, oldest first; a failure parks the lane until its backoff is over, so later events of the
// chat wait behind it while other lanes keep flowing. At most `concurrency` lanes are in flight.
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import axios from 'axios'
import type { Logger } from '../../logger.js'
import type { EventBus } from '../bus.js'
import type { AttemptFailure, Delivery, WebhookOutbox } from './outbox.js'
import { signatureHeaders } from './signing.js'

export interface DispatcherOptions {
  timeoutMs: number
  concurrency: number
  /** Delivered rows older than this are pruned (0 = keep forever). */
  keepMs: number
}

export interface DispatcherHooks {
  delivered(d: Delivery): void
  failed(d: Delivery): void
}

const SNIPPET = 500
const PRUNE_EVERY_MS = 60 * 60 * 1000

type Outcome = { ok: true; status: number; answer: string } | ({ ok: false } & AttemptFailure)

export class WebhookDispatcher {
  private readonly active = new Set<string>()
  private readonly aborts = new Set<AbortController>()
  private running = false
  private scanQueued = false
  private timer?: NodeJS.Timeout
  private pruneTimer?: NodeJS.Timeout
  private readonly httpAgent = new HttpAgent({ keepAlive: true })
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true })

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly opts: DispatcherOptions,
    private readonly hooks: DispatcherHooks,
  ) {}

  /** Starts sending; pending rows left by an earlier run (or a crash) go first. */
  start(): void {
    if (this.running) return
    this.running = true
    this.prune()
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS)
    this.pruneTimer.unref()
    this.kick()
  }

  /** Stops timers and aborts requests in flight; their rows stay pending for the next start. */
  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    clearInterval(this.pruneTimer)
    for (const a of this.aborts) a.abort()
    this.httpAgent.destroy()
    this.httpsAgent.destroy()
  }

  /** New rows were queued: start their lanes unless a worker already runs there. */
  notify(deliveries: Delivery[]): void {
    if (deliveries.some((d) => !this.active.has(d.lane))) this.kick()
  }

  /** Looks for due lanes soon (coalesced: a burst of events costs one scan). */
  kick(): void {
    if (!this.running || this.scanQueued) return
    this.scanQueued = true
    setImmediate(() => {
      this.scanQueued = false
      this.scan()
    })
  }

  private scan(): void {
    if (!this.running) return
    clearTimeout(this.timer)
    this.timer = undefined
    const now = Date.now()
    let wakeAt = Infinity
    for (const head of this.outbox.heads()) {
      if (this.active.has(head.lane)) continue
      if (head.nextAt > now) {
        wakeAt = Math.min(wakeAt, head.nextAt)
        continue
      }
      if (this.active.size >= this.opts.concurrency) break // a finishing worker kicks again
      void this.work(head.lane)
    }
    if (wakeAt !== Infinity) {
      this.timer = setTimeout(() => this.kick(), Math.max(0, wakeAt - Date.now()))
      this.timer.unref()
    }
  }

  private async work(lane: string): Promise<void> {
    this.active.add(lane)
    try {
      while (this.running) {
        const d = this.outbox.head(lane)
        if (!d || d.nextAt > Date.now()) break
        const outcome = await this.send(d)
        if (!this.running) break // aborted by stop(): the row stays pending, untouched
        if (!this.settle(d, outcome)) break
      }
    } catch (err) {
      this.logger.error({ err: String(err) }, 'webhook lane worker failed')
    } finally {
      this.active.delete(lane)
      this.kick()
    }
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
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
      })
      const answer = typeof res.data === 'string' ? res.data.slice(0, SNIPPET) : ''
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, answer }
      return { ok: false, status: res.status, error: `HTTP ${res.status}`, answer }
    } catch (err) {
      const e = err as { code?: string; message?: string }
      return { ok: false, error: e.code ? `${e.code}: ${e.message ?? ''}`.trim() : (e.message ?? String(err)) }
    } finally {
      this.aborts.delete(abort)
    }
  }

  private prune(): void {
    if (this.opts.keepMs <= 0) return
    try {
      this.outbox.prune(Date.now() - this.opts.keepMs)
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'pruning delivered webhooks failed')
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
