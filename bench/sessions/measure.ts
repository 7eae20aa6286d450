// The measurements both phases share: idle RSS after a forced GC, and bounded waits with progress.
import { Child, procMb, sleep, withTimeout } from './proc.js'
import type { SimInfo } from './ipc.js'

export const SETTLE_MS = 10_000

/** What one phase (gateway or raw Baileys) measured. MB = MiB. */
export interface Figures {
  n: number
  /** VmRSS of the fresh child with 0 sessions, after a forced GC and the settle */
  baselineMb: number
  firstLoginsS: number
  /** VmHWM of the child over the first logins (reset after the baseline) */
  peakMb: number
  /** VmRSS of the child with N idle open sessions, after a forced GC and the settle */
  idleMb: number
  perSessionMb: number
  /** spawn of a fresh process on the same folders → all N open */
  bootS: number
  /** VmHWM of that fresh process once all N were open */
  bootPeakMb: number
  /** QR scans the simulator refused (e.g. the QR had rotated) and that were retried with the next QR */
  scanRetries: number
  /** unhandled rejections the child survived (raw Baileys only; the gateway would log them) */
  errors: number
  /** VmHWM of the simulator process (not counted above) */
  simPeakMb: number
  /** log lines the children printed (warn and above) */
  logLines: number
}

export interface PhaseContext {
  n: number
  sim: SimInfo
  simPid: number
  /** temp folder of this phase (credentials, data) */
  dir: string
  loginTimeoutMs: number
  bootTimeoutMs: number
  /** abort when nothing progressed for this long */
  stallMs: number
}

export const elapsedS = (since: number) => (performance.now() - since) / 1000
export const mb = (v: number) => `${v.toFixed(0)} MB`

/** Forced GC, settle, then VmRSS: what the process keeps once V8 has given memory back. */
export async function idleRssMb(child: Child): Promise<number> {
  await child.gc()
  await sleep(SETTLE_MS)
  return procMb(child.pid, 'VmRSS')
}

export interface WaitOpts {
  what: string
  totalMs: number
  stallMs: number
  /** extra detail for the error (e.g. which states the sessions are in) */
  describe?: () => string | Promise<string>
  /** called whenever the count changes */
  onProgress?: (count: number) => void
  /** rejects early (e.g. a child died or a session failed for good) */
  abort?: Promise<never>
}

/** Polls `count()` until it reaches `target`; fails clearly on the total timeout or a stall. */
export async function waitForCount(count: () => number | Promise<number>, target: number, opts: WaitOpts): Promise<void> {
  const started = performance.now()
  let last = -1
  let lastChange = started
  const loop = async () => {
    for (;;) {
      const now = await count()
      if (now !== last) {
        last = now
        lastChange = performance.now()
        opts.onProgress?.(now)
      }
      if (now >= target) return
      const t = performance.now()
      const stalled = t - lastChange > opts.stallMs
      if (stalled || t - started > opts.totalMs) {
        const why = stalled ? `no progress for ${(opts.stallMs / 1000).toFixed(0)} s` : `timed out after ${((t - started) / 1000).toFixed(0)} s`
        const detail = opts.describe ? await opts.describe() : ''
        throw new Error(`${why} waiting for ${opts.what}: ${now}/${target}${detail ? `; ${detail}` : ''}`)
      }
      await sleep(250)
    }
  }
  await (opts.abort ? Promise.race([loop(), opts.abort]) : loop())
}

/** Prints "<label> 50/200 …" at every `step` (and at the end). */
export function progressPrinter(label: string, n: number, since: number, pid: () => number): (count: number) => void {
  const step = Math.max(1, Math.round(n / 20))
  let printedAt = 0
  return (count) => {
    if (count < printedAt + step && count < n) return
    printedAt = count
    let rss = ''
    try {
      rss = `, rss ${mb(procMb(pid(), 'VmRSS'))}`
    } catch {
      // the process is gone; the wait will say so
    }
    console.log(`  ${label} ${count}/${n} (${elapsedS(since).toFixed(1)} s${rss})`)
  }
}

/** Rejects when the child exits: a phase must not wait for a dead process. */
export function diesWith(child: Child): Promise<never> {
  const p = child.exited.then((how): never => {
    throw new Error(`${child.name} exited (${how}) unexpectedly; its last output:\n${child.tail.join('\n')}`)
  })
  p.catch(() => undefined) // only those who race it care; a later planned stop is not an error
  return p
}

/** Ready line of a child, bounded. */
export function readyOf<T>(child: Child, ms = 60_000): Promise<T> {
  return withTimeout(child.ready as Promise<T>, ms, `${child.name} to print its ready line`)
}
