// Runs express-validator chains and turns their errors into one clear 400 message.
import type { RequestHandler } from 'express'
import { validationResult, type ValidationChain, type ValidationError } from 'express-validator'
import { sendFail } from './envelope.js'

/** One `field: message` per field (its first error), in order; `label` renames fields (e.g. data.x). */
export function fieldMessages(errors: ValidationError[], label: (field: string) => string = (f) => f): string[] {
  const seen = new Set<string>()
  const parts: string[] = []
  for (const err of errors) {
    const field = err.type === 'field' ? err.path : err.type
    if (seen.has(field)) continue
    seen.add(field)
    parts.push(`${label(field)}: ${String(err.msg)}`)
  }
  return parts
}

export function validate(chains: ValidationChain[]): RequestHandler[] {
  const check: RequestHandler = (req, res, next) => {
    const result = validationResult(req)
    if (result.isEmpty()) return next()
    sendFail(res, 400, fieldMessages(result.array()).join('; '))
  }
  return [...chains, check]
}
