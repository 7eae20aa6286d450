// The per-instance bulk queue: batches of one instance run one after another, items in order,
// with a random delay between sends. Time and randomness are injected (Clock, random) so tests
// drive the delays deterministically. A failed number is recorded and the batch goes on.
import { setTimeout as sleepTimer } from 'node:timers/promises'
import { badRequest } from '../errors.js'
import type { EventBus } from '../events/bus.js'
import type { Logger } from '../logger.js'
import type { BatchItem, BatchRecord, BatchStore } from './batch-store.js'

export interface Clock {
  now(): number
  /** Resolves after `ms` (at once for ms <= 0) or when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0 || signal.aborted) return
    await sleepTimer(ms, undefined, { signal }).catch(() => undefined)
  },
}

export interface ItemSender {
  /** Sends one item; resolves with the WhatsApp message id. Throws to fail the item. */
  send(batch: BatchRecord, item: BatchItem, messageId: string): Promise<string>
  /** Waits until the instance is open: true, or false when it is gone (logged out) or aborted. */
  waitForOpen(token: string, signal: AbortSignal): Promise<boolean>
  /** A fresh WhatsApp message id for an item. */
  newMessageId(token: string): string
  /** True for errors that mean "the connection dropped": the item is retried after reconnecting. */
  isTransient(err: unknown): boolean
  /** Called once a batch is finished (e.g. to delete its media). */
  finished(batch: BatchRecord): Promise<void>
}

export interface BulkQueueDeps {
  store: BatchStore
  sender: ItemSender
  bus: EventBus
  logger: Logger
  clock?: Clock
  random?: () => number
  /** Attempts per item when the connection drops mid-send. */
  maxAttempts?: number
}

/**
 * A request's `delay` {min, max} (seconds) with MIN/MAX as defaults, in ms. With one bound given,
 * the other comes from MIN/MAX, moved so that min <= max still holds.
 */
export function delayRange(delay: unknown, defaults: { min: number; max: number }): { minDelayMs: number; maxDelayMs: number } {
  const d = (delay && typeof delay === 'object' ? delay : {}) as { min?: unknown; max?: unknown }
  const given = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v))
  const min = given(d.min) ?? Math.min(defaults.min, given(d.max) ?? Infinity)
  const max = given(d.max) ?? Math.max(defaults.max, min)
  if (!(min >= 0 && max >= min)) throw badRequest('delay: needs 0 <= min <= max (seconds)')
  return { minDelayMs: Math.round(min * 1000), maxDelayMs: Math.round(max * 1000) }
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500)

export class BulkQueue {
  private readonly loops = new Map<string, Promise<void>>()
  private readonly abort = new AbortController()
  /** Per running batch, so a cancel interrupts its delay at once. */
  private readonly batchAborts = new Map<string, AbortController>()
  private readonly clock: Clock
  private readonly random: () => number

  constructor(private readonly deps: BulkQueueDeps) {
    this.clock = deps.clock ?? realClock
    this.random = deps.random ?? Math.random
  }

  /** Persists a new batch and makes sure its instance's loop is running. */
  enqueue(batch: BatchRecord, numbers: string[]): void {
    this.deps.store.create(batch, numbers)
    this.kick(batch.token)
  }

  /** Restarts the loops of every unfinished batch (boot). */
  resume(): number {
    const open = this.deps.store.unfinished()
    for (const token of new Set(open.map((b) => b.token))) this.kick(token)
    return open.length
  }

  cancel(id: string): boolean {
    const b = this.deps.store.get(id)
    if (!b || b.status === 'done' || b.status === 'cancelled') return false
    this.deps.store.setStatus(id, 'cancelled')
    const running = this.batchAborts.get(id)
    if (running) running.abort() // its loop reports send-complete and frees the media
    else void this.stopIfCancelled(b).catch((err: unknown) => this.deps.logger.warn({ batchId: id, err: errorText(err) }, 'freeing a cancelled batch failed'))
    return true
  }

  /** Resolves when the instance's current loop is idle (tests, shutdown). */
  async idle(token?: string): Promise<void> {
    const loop = token ? this.loops.get(token) : undefined
    await (token ? loop : Promise.all(this.loops.values()))
  }

  async close(): Promise<void> {
    this.abort.abort()
    await Promise.allSettled([...this.loops.values()])
  }

  private kick(token: string): void {
    if (this.loops.has(token) || this.abort.signal.aborted) return
    const loop = this.runInstance(token)
      .catch((err: unknown) => this.deps.logger.error({ token, err: errorText(err) }, 'bulk queue loop failed'))
      .finally(() => {
        this.loops.delete(token)
        // A batch enqueued while the loop was finishing would otherwise wait for the next kick.
        if (!this.abort.signal.aborted && this.deps.store.nextBatch(token)) this.kick(token)
      })
    this.loops.set(token, loop)
  }

  private async runInstance(token: string): Promise<void> {
    for (let b = this.deps.store.nextBatch(token); b && !this.abort.signal.aborted; b = this.deps.store.nextBatch(token)) {
      await this.runBatch(b)
    }
  }

  private async runBatch(batch: BatchRecord): Promise<void> {
    const ctrl = new AbortController()
    this.batchAborts.set(batch.id, ctrl)
    try {
      await this.runItems(batch, ctrl.signal)
    } finally {
      this.batchAborts.delete(batch.id)
    }
  }

  private async runItems(batch: BatchRecord, cancelled: AbortSignal): Promise<void> {
    const { store, sender, bus } = this.deps
    const signal = this.abort.signal
    const wake = AbortSignal.any([signal, cancelled])
    if (batch.status === 'queued') store.setStatus(batch.id, 'running')
    let nextAt = batch.nextAt
    for (let item = store.nextItem(batch.id); item; item = store.nextItem(batch.id)) {
      await this.clock.sleep(nextAt - this.clock.now(), wake)
      if (signal.aborted || store.get(batch.id)?.status === 'cancelled') return this.stopIfCancelled(batch)
      const result = await this.sendItem(batch, item, wake)
      // Shutting down: the item stays pending/sending and resumes at the next boot.
      if (!result) return signal.aborted ? undefined : this.stopIfCancelled(batch)
      const counts = store.counts(batch.id)
      bus.emit('send-progress', { token: batch.token, batchId: batch.id, total: batch.total, ...counts, lastResult: result })
      if (counts.done < batch.total) {
        const span = Math.max(0, batch.maxDelayMs - batch.minDelayMs)
        nextAt = this.clock.now() + batch.minDelayMs + Math.round(this.random() * span)
        store.setNextAt(batch.id, nextAt)
      }
    }
    store.setStatus(batch.id, 'done')
    const { sent, failed } = store.counts(batch.id)
    bus.emit('send-complete', { token: batch.token, batchId: batch.id, total: batch.total, sent, failed })
    await sender.finished(batch).catch(() => undefined)
  }

  private async stopIfCancelled(batch: BatchRecord): Promise<void> {
    if (this.deps.store.get(batch.id)?.status !== 'cancelled') return
    const { sent, failed } = this.deps.store.counts(batch.id)
    this.deps.bus.emit('send-complete', { token: batch.token, batchId: batch.id, total: batch.total, sent, failed })
    await this.deps.sender.finished(batch).catch(() => undefined)
  }

  /** One item to its final state; undefined when the queue is closing or the batch was cancelled. */
  private async sendItem(batch: BatchRecord, item: BatchItem, signal: AbortSignal): Promise<{ number: string; ok: boolean; id?: string; error?: string } | undefined> {
    const { store, sender } = this.deps
    const messageId = item.messageId ?? sender.newMessageId(batch.token)
    const attempts = this.deps.maxAttempts ?? 3
    for (let attempt = 1; ; attempt++) {
      if (!(await sender.waitForOpen(batch.token, signal))) {
        if (signal.aborted) return undefined
        store.markResult(batch.id, item.idx, 'failed', 'instance logged out')
        return { number: item.number, ok: false, error: 'instance logged out' }
      }
      store.markSending(batch.id, item.idx, messageId)
      try {
        const id = await sender.send(batch, item, messageId)
        store.markResult(batch.id, item.idx, 'sent')
        return { number: item.number, ok: true, id }
      } catch (err) {
        if (signal.aborted) return undefined
        if (attempt < attempts && sender.isTransient(err)) continue
        const error = errorText(err)
        store.markResult(batch.id, item.idx, 'failed', error)
        return { number: item.number, ok: false, error }
      }
    }
  }
}
