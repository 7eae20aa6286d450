// Validator chains shared by several route groups (and the scheduler, which validates job data
// with the very same chains as the matching send endpoint).
import { body, param } from 'express-validator'
import { TOKEN_RULE, isValidToken } from '../sessions/token.js'

export const tokenIn = (location: 'body' | 'param' = 'body', field = 'token') =>
  (location === 'body' ? body(field) : param(field))
    .exists({ values: 'null' })
    .withMessage('is required')
    .bail()
    .custom((v) => isValidToken(v))
    .withMessage(`must be ${TOKEN_RULE}`)
