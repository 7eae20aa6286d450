// Which instance the running code works for. Everything a session starts inside `runAsInstance`
// (its socket, timers, Baileys' promises) inherits it, so the process-level handler for unhandled
// rejections can still name the instance.
import { AsyncLocalStorage } from 'node:async_hooks'

const context = new AsyncLocalStorage<{ token: string }>()

export function runAsInstance<T>(token: string, fn: () => T): T {
  return context.run({ token }, fn)
}

export function currentInstance(): string | undefined {
  return context.getStore()?.token
}
