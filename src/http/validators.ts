// Validator chains shared by several route groups (and the scheduler, which validates job data
// with the very same chains as the matching send endpoint).
import { body, param, type ValidationChain } from 'express-validator'
import { TOKEN_RULE, isValidToken } from '../sessions/token.js'

export const tokenIn = (location: 'body' | 'param' = 'body', field = 'token') =>
  (location === 'body' ? body(field) : param(field))
    .exists({ values: 'null' })
    .withMessage('is required')
    .bail()
    .custom((v) => isValidToken(v))
    .withMessage(`must be ${TOKEN_RULE}`)

const notArray = (v: unknown): true => {
  if (Array.isArray(v)) throw new Error('must be one value, not an array')
  return true
}

/**
 * For fields that hold one value: refuses an array first. express-validator runs standard
 * validators (isInt, isIn, isFloat, isEmail…) on each element of an array and passes an empty
 * one, so `?limit=1&limit=2` or `{"action": []}` would otherwise reach the handler.
 */
export const single = (chain: ValidationChain): ValidationChain => chain.custom(notArray).bail()
