// Per-instance call handling: reject incoming calls (and the text sent to the caller), overriding
// REJECT_CALLS / REJECT_CALLS_MESSAGE for this instance.
import { body } from 'express-validator'
import { defineRoutes } from '../route.js'
import { tokenIn } from '../validators.js'

export interface CallSettingsView { reject: boolean; message?: string; source: 'instance' | 'global' }

export interface CallRouteDeps {
  get(token: string): CallSettingsView
  set(token: string, settings: { reject: boolean; message?: string }): void
  clear(token: string): void
}

export function callRoutes(deps: CallRouteDeps) {
  const path = '/whatsapp/instances/:token/calls'
  return defineRoutes([
    {
      method: 'get',
      path,
      tag: 'Instances',
      summary: 'How this instance answers incoming calls: {reject, message?, source: instance|global}',
      validators: [tokenIn('param')],
      handler: (req) => deps.get(String(req.params.token)),
    },
    {
      method: 'put',
      path,
      tag: 'Instances',
      summary: 'Reject incoming calls on this instance {reject: boolean, message?: text sent to the caller}; overrides REJECT_CALLS',
      validators: [
        tokenIn('param'),
        body('reject').isBoolean({ strict: true }).withMessage('must be true or false'),
        body('message').optional({ values: 'null' }).isString().isLength({ max: 4096 }).withMessage('must be a text of at most 4096 characters'),
      ],
      handler: (req) => {
        const token = String(req.params.token)
        const { reject, message } = req.body as { reject: boolean; message?: string | null }
        deps.set(token, { reject, ...(message ? { message } : {}) })
        return deps.get(token)
      },
    },
    {
      method: 'delete',
      path,
      tag: 'Instances',
      summary: 'Forget this instance\'s call settings: REJECT_CALLS / REJECT_CALLS_MESSAGE apply again',
      validators: [tokenIn('param')],
      handler: (req) => {
        deps.clear(String(req.params.token))
        return deps.get(String(req.params.token))
      },
    },
  ])
}
