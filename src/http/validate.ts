// Runs express-validator chains and turns their errors into one clear 400 message.
import type { RequestHandler } from 'express'
import { validationResult, type ValidationChain } from 'express-validator'
import { sendFail } from './envelope.js'

export function validate(chains: ValidationChain[]): RequestHandler[] {
  const check: RequestHandler = (req, res, next) => {
    const result = validationResult(req)
    if (result.isEmpty()) return next()
    const seen = new Set<string>()
    const parts: string[] = []
    for (const err of result.array()) {
      const field = err.type === 'field' ? err.path : err.type
      if (seen.has(field)) continue
      seen.add(field)
      parts.push(`${field}: ${String(err.msg)}`)
    }
    sendFail(res, 400, parts.join('; '))
  }
  return [...chains, check]
}
