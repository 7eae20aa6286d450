// How many logins may run at once, following the load: the limit halves while the event loop lags
// (the process is saturated: more handshakes would only time out and come back as reconnects) and
// grows back by one while it is responsive. So a burst of reconnects queues instead of storming.
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface LoadGateOptions {
  /** The limit never goes below this (progress is always made) nor above `max`. */
  min: number
  max: number
  /** Event-loop lag (ms) above which the limit halves, and below which it grows again. */
  highLagMs?: number
  lowLagMs?: number
  /** How often the lag is read and the limit adjusted. */
  intervalMs?: number
  /** The lag source (ms); default: this process's event-loop delay (mean over the last interval). */
  lag?: () => number
}

export class LoadGate {
  private active = 0
  private current: number
  private peakActive = 0
  private readonly queue: Array<() => void> = []
  private readonly timer: NodeJS.Timeout
  private readonly lag: () => number
  private readonly stopMonitor?: () => void

  constructor(private readonly opts: LoadGateOptions) {
    this.current = opts.max
    if (opts.lag) {
      this.lag = opts.lag
    } else {
      const histogram = monitorEventLoopDelay({ resolution: 20 })
      histogram.enable()
      this.lag = () => {
        const mean = histogram.mean / 1e6
        histogram.reset()
        return Number.isFinite(mean) ? mean : 0
      }
      this.stopMonitor = () => histogram.disable()
    }
    this.timer = setInterval(() => this.adjust(), opts.intervalMs ?? 1000)
    this.timer.unref()
  }

  /** Waits for a slot; call the returned function once the login is done (open or given up). */
  async acquire(): Promise<() => void> {
    if (this.active < this.current && this.queue.length === 0) this.active++
    else await new Promise<void>((resolve) => this.queue.push(resolve)) // wake() counts it in
    this.peakActive = Math.max(this.peakActive, this.active)
    let released = false
    return () => {
      if (released) return
      released = true
      this.active--
      this.wake()
    }
  }

  get limit(): number {
    return this.current
  }

  get inUse(): number {
    return this.active
  }

  get waiting(): number {
    return this.queue.length
  }

  /** The most slots ever held at once (tests, metrics). */
  get peak(): number {
    return this.peakActive
  }

  /** Reads the lag once and moves the limit (also called by the timer). */
  adjust(): void {
    const lag = this.lag()
    const { min, max, highLagMs = 200, lowLagMs = 50 } = this.opts
    if (lag > highLagMs) this.current = Math.max(min, Math.floor(this.current / 2))
    else if (lag < lowLagMs) this.current = Math.min(max, this.current + 1)
    this.wake()
  }

  close(): void {
    clearInterval(this.timer)
    this.stopMonitor?.()
  }

  private wake(): void {
    while (this.active < this.current && this.queue.length) {
      this.active++
      this.queue.shift()?.()
    }
  }
}
