// Dependencies print to console.* on their own (libsignal: `Closing session: SessionEntry { …
// privKey: <Buffer …> }`). The entry points route that output into pino at debug level, after
// removing key material: byte arrays, properties named like keys or secrets, and known secret values.
import { formatWithOptions } from 'node:util'
import type { Logger } from './logger.js'

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const

/** Property names whose values are (or hold) key material or secrets. */
export const SECRET_NAME = /(priv|secret|password|token|auth|noise|signed|identity|root|chain|mac|cipher|key|seed)/i
/** The same names inside text a dependency built itself, with what follows them up to a separator. */
const SECRET_IN_TEXT = /\b\w*(priv|secret|password|noise|root|chain|cipher|mac|key|seed)\w*\b\s*[:=]?\s*(<[^>]*>|\[[^\]]*\]|\{[^}]*\}|'[^']*'|"[^"]*"|[^\s,}]+)?/gi
const BUFFER_TEXT = /<Buffer[^>]*>/g

/** A copy that is safe to print: bytes and secret-named properties are left out. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return value
  if (value === null || typeof value !== 'object') return value
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[bytes]'
  if (seen.has(value)) return '[circular]'
  if (depth > 6) return '[…]'
  seen.add(value)
  if (value instanceof Error) return { error: value.message, stack: value.stack }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen))
  const out: Record<string, unknown> = {}
  let hidden = 0
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_NAME.test(k)) hidden++
    else out[k] = redactValue(v, depth + 1, seen)
  }
  if (hidden) out.redactedFields = hidden
  return out
}

/** Text with byte dumps, key-named fields and the given secret values removed. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(BUFFER_TEXT, '[bytes]').replace(SECRET_IN_TEXT, '[redacted]')
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]')
  return out
}

let restore: (() => void) | undefined

/**
 * Replaces console.log/info/warn/error/debug with a debug-level pino log of the redacted text.
 * The entry points call it once; their own banners write to process.stdout directly.
 */
export function routeConsoleToLogger(logger: Logger, secrets: readonly string[]): () => void {
  restore?.()
  const log = logger.child({ source: 'console' })
  const originals = METHODS.map((m) => [m, console[m]] as const)
  for (const method of METHODS) {
    console[method] = (...args: unknown[]) => {
      if (!log.isLevelEnabled('debug')) return
      const text = formatWithOptions({ depth: 6, breakLength: Infinity }, ...args.map((a) => redactValue(a)))
      log.debug({ method }, redactText(text, secrets))
    }
  }
  restore = () => {
    for (const [m, fn] of originals) console[m] = fn
    restore = undefined
  }
  return restore
}
