// What both bench children share: the simulator link from the env, and the IPC hooks (forced GC).
import { readFileSync } from 'node:fs'
import type { FromChild, ToChild } from './ipc.js'

export interface SimLink {
  wsUrl: string
  rootPublicKey: Uint8Array
  caPem: string
}

function need(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is required (set by bench/sessions.ts)`)
  return v
}

export function simLinkFromEnv(): SimLink {
  return {
    wsUrl: need('BENCH_SIM_WS_URL'),
    rootPublicKey: Buffer.from(need('BENCH_SIM_ROOT_KEY'), 'base64'),
    caPem: readFileSync(need('BENCH_SIM_CA_FILE'), 'utf8'),
  }
}

export function toParent(m: FromChild): void {
  process.send?.(m)
}

/** Answers `gc` (needs --expose-gc) and hands every other message to `onOther`. */
export function listenToParent(onOther: (m: ToChild) => void = () => undefined): void {
  process.on('message', (raw) => {
    const m = raw as ToChild
    if (m.type !== 'gc') return onOther(m)
    if (!global.gc) throw new Error('run this child with --expose-gc')
    // twice: the first pass can leave finalizer-held objects for the second
    global.gc()
    global.gc()
    toParent({ type: 'gc-done' })
  })
  // the orchestrator is gone: do not linger with hundreds of sockets open
  process.on('disconnect', () => process.exit(1))
}
