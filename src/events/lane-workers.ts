// The sending side of an outbox, shared by the sinks (webhooks, AMQP). One worker per lane (token,
// target, chat) sends that lane's rows one at a time, oldest first; a failure parks the lane until
// its backoff is over, so later events of the chat wait behind it while other lanes keep flowing.
// At most `concurrency` lanes are in flight.
import type { Logger } from '../logger.js'

export interface LaneRow {
  lane: string
  nextAt: number
}

/** What the workers read from an outbox (see DeliveryOutbox). */
export interface LaneQueue<R extends LaneRow> {
  heads(): R[]
  head(lane: string): R | undefined
  prune(olderThan: number): number
}

/** How a sink sends one row and records the outcome. */
export interface LaneSink<R extends LaneRow, O> {
  send(row: R): Promise<O>
  /** Records the outcome; true when the lane may go on with its next row. Not called after stop(). */
  settle(row: R, outcome: O): boolean
  /** While true no row is sent (e.g. the broker is down); call kick() once it is false again. */
  paused?(): boolean
}

export interface LaneWorkerOptions {
  /** For log lines ("webhook", "amqp"). */
  name: string
  concurrency: number
  /** Delivered rows older than this are pruned (0 = keep forever). */
  keepMs: number
}

const PRUNE_EVERY_MS = 60 * 60 * 1000

export class LaneWorkers<R extends LaneRow, O> {
  private readonly active = new Set<string>()
  private running = false
  private scanQueued = false
  private timer?: NodeJS.Timeout
  private pruneTimer?: NodeJS.Timeout

  constructor(
    private readonly queue: LaneQueue<R>,
    private readonly sink: LaneSink<R, O>,
    private readonly logger: Logger,
    private readonly opts: LaneWorkerOptions,
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

  /** Stops timers; rows in flight stay pending (their outcome is not recorded) for the next start. */
  stop(): void {
    this.running = false
    clearTimeout(this.timer)
    clearInterval(this.pruneTimer)
  }

  /** New rows were queued: start their lanes unless a worker already runs there. */
  notify(rows: R[]): void {
    if (rows.some((r) => !this.active.has(r.lane))) this.kick()
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

  private canSend(): boolean {
    return this.running && !this.sink.paused?.()
  }

  private scan(): void {
    if (!this.canSend()) return
    clearTimeout(this.timer)
    this.timer = undefined
    const now = Date.now()
    let wakeAt = Infinity
    for (const head of this.queue.heads()) {
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
      while (this.canSend()) {
        const row = this.queue.head(lane)
        if (!row || row.nextAt > Date.now()) break
        const outcome = await this.sink.send(row)
        if (!this.running) break // aborted by stop(): the row stays pending, untouched
        if (!this.sink.settle(row, outcome)) break
      }
    } catch (err) {
      this.logger.error({ err: String(err) }, `${this.opts.name} lane worker failed`)
    } finally {
      this.active.delete(lane)
      this.kick()
    }
  }

  private prune(): void {
    if (this.opts.keepMs <= 0) return
    try {
      this.queue.prune(Date.now() - this.opts.keepMs)
    } catch (err) {
      this.logger.warn({ err: String(err) }, `pruning delivered ${this.opts.name} rows failed`)
    }
  }
}
