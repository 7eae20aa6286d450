// Child processes of the bench: spawn a TypeScript script under plain `node --import tsx` (so the pid
// we read /proc of IS the process doing the work), wait for its ready line, read its memory, stop it.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { READY_PREFIX, type FromChild, type ToChild } from './ipc.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const LOG_TAIL = 40

/** Rejects with "timed out after … waiting for <what>" unless `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${(ms / 1000).toFixed(0)} s waiting for ${what}`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class Child {
  readonly proc: ChildProcess
  readonly spawnedAt = performance.now()
  /** The JSON payload of the child's ready line. */
  readonly ready: Promise<unknown>
  /** Resolves with the exit code (or signal name) when the process is gone. */
  readonly exited: Promise<string>
  /** Last lines the child printed (logs), shown when something goes wrong. */
  readonly tail: string[] = []
  logLines = 0
  private readonly listeners = new Set<(m: FromChild) => void>()

  /** `measured`: runs with --expose-gc (see gc()) plus BENCH_CHILD_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"). */
  constructor(readonly name: string, script: string, env: Record<string, string>, opts: { measured?: boolean } = {}) {
    const flags = opts.measured ? ['--expose-gc', ...(process.env.BENCH_CHILD_FLAGS ?? '').split(/\s+/).filter(Boolean)] : []
    this.proc = spawn(process.execPath, [...flags, '--import', 'tsx', `${HERE}${script}`], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    children.add(this)
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => {
      children.delete(this)
      resolve(signal ?? String(code))
    }))
    this.ready = new Promise((resolve, reject) => {
      createInterface({ input: this.proc.stdout! }).on('line', (line) => {
        if (line.startsWith(READY_PREFIX)) return resolve(JSON.parse(line.slice(READY_PREFIX.length)) as unknown)
        this.log(line)
      })
      void this.exited.then((how) => reject(new Error(`${name} exited (${how}) before it was ready:\n${this.tail.join('\n')}`)))
    })
    this.ready.catch(() => undefined) // awaited by the phase; never an unhandled rejection
    createInterface({ input: this.proc.stderr! }).on('line', (line) => this.log(line))
    this.proc.on('message', (m) => this.listeners.forEach((fn) => fn(m as FromChild)))
  }

  get pid(): number {
    return this.proc.pid ?? -1
  }

  private log(line: string): void {
    this.logLines++
    this.tail.push(line)
    if (this.tail.length > LOG_TAIL) this.tail.shift()
    if (process.env.BENCH_VERBOSE) console.error(`[${this.name}] ${line}`)
  }

  onMessage(fn: (m: FromChild) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  send(m: ToChild): void {
    this.proc.send(m)
  }

  /** Ask the child to run global.gc() (it runs with --expose-gc) and wait until it did. */
  async gc(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      const off = this.onMessage((m) => {
        if (m.type !== 'gc-done') return
        off()
        resolve()
      })
    })
    this.send({ type: 'gc' })
    await withTimeout(done, 60_000, `${this.name} to finish a forced GC`)
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. Resolves once it is gone. */
  async stop(graceMs = 60_000): Promise<string> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited
    this.proc.kill('SIGTERM')
    const how = await Promise.race([this.exited, sleep(graceMs).then(() => undefined)])
    if (how !== undefined) return how
    console.error(`${this.name} ignored SIGTERM for ${graceMs / 1000} s; killing it`)
    this.proc.kill('SIGKILL')
    return this.exited
  }
}

/** Every live child, so an error or Ctrl-C never leaves one behind. */
const children = new Set<Child>()

export function killAllChildren(): void {
  for (const c of children) c.proc.kill('SIGKILL')
}

/** A field of /proc/<pid>/status in MB (VmRSS = now, VmHWM = peak since start). */
export function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(m[1]) / 1024
}

/** Samples VmRSS of a process every `everyMs` and keeps the largest value seen. */
export class RssSampler {
  max = 0
  last = 0
  private readonly timer: NodeJS.Timeout

  constructor(private readonly pid: number, everyMs = 250) {
    this.sample()
    this.timer = setInterval(() => this.sample(), everyMs)
  }

  private sample(): void {
    try {
      this.last = procMb(this.pid, 'VmRSS')
      this.max = Math.max(this.max, this.last)
    } catch {
      // the process just exited; the caller notices through Child.exited
    }
  }

  stop(): number {
    clearInterval(this.timer)
    this.sample()
    return this.max
  }
}

/** Resets VmHWM to the current RSS (Linux: "5" > clear_refs), so the next peak is the work's own. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
}
