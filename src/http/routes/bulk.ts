// Bulk batches (a send with an array of numbers): progress and cancel.
import { param } from 'express-validator'
import { conflict, notFound } from '../../errors.js'
import type { Messenger } from '../../messaging/messenger.js'
import { defineRoutes } from '../route.js'
import { scopeOf, type Scope } from '../scope.js'

const batchId = () => param('id').isString().matches(/^[A-Za-z0-9-]{1,64}$/).withMessage('must be a batch id')

export function bulkRoutes(messenger: Messenger) {
  // A batch of an instance the caller's key may not see does not exist for it.
  const find = (id: string, scope: Scope) => {
    const b = messenger.batch(id)
    if (!b || !scope.allows(b.token)) throw notFound(`batch "${id}" not found`)
    return b
  }
  return defineRoutes([
    {
      method: 'get',
      path: '/whatsapp/batches/:id',
      tag: 'Messages',
      summary: 'A bulk batch: status, counts and one entry per number (the same data as the send-progress events)',
      validators: [batchId()],
      access: 'self',
      handler: (req) => find(String(req.params.id), scopeOf(req)),
    },
    {
      method: 'post',
      path: '/whatsapp/batches/:id/cancel',
      tag: 'Messages',
      summary: 'Stop a bulk batch: numbers not sent yet are skipped',
      validators: [batchId()],
      access: 'self',
      handler: (req) => {
        const id = String(req.params.id)
        const b = find(id, scopeOf(req))
        if (!messenger.cancelBatch(id)) throw conflict(`batch "${id}" is already ${b.status}`)
        return find(id, scopeOf(req))
      },
    },
  ])
}
