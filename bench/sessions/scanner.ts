// The simulated phones: every session's QR is scanned once through the simulator's control API.
// A refused scan (the QR rotated meanwhile) is retried with the session's next QR.
import { httpJson } from './http.js'
import type { SimInfo } from './ipc.js'

export class Scanner {
  retries = 0
  lastError = ''
  private readonly scanned = new Set<string>()
  private readonly busy = new Set<string>()

  constructor(private readonly sim: SimInfo, private readonly onFatal: (err: Error) => void) {}

  get count(): number {
    return this.scanned.size
  }

  offer(id: string, qr: string): void {
    if (this.scanned.has(id) || this.busy.has(id)) return
    this.busy.add(id)
    httpJson(`http://127.0.0.1:${this.sim.controlPort}/scan`, 'POST', { qr })
      .then((res) => {
        if (res.status === 200) return void this.scanned.add(id)
        this.retries++
        this.lastError = `${id}: ${JSON.stringify(res.body)}`
      })
      // the control API itself is unreachable: the simulator died, nothing will pair
      .catch((err: unknown) => this.onFatal(new Error(`simulator control API: ${String(err)}`)))
      .finally(() => this.busy.delete(id))
  }
}

/** A promise that only ever rejects, once `fail` is called; for racing against long waits. */
export class Abort {
  readonly promise: Promise<never>
  private rejectFn: (err: Error) => void = () => undefined

  constructor() {
    this.promise = new Promise<never>((_, reject) => (this.rejectFn = reject))
    this.promise.catch(() => undefined) // handled by whoever races it
  }

  fail(err: Error): void {
    this.rejectFn(err)
  }
}
