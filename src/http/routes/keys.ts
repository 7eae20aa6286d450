// Scoped API keys, managed with the admin key: create (the key is shown once), list, revoke.
import { body, param } from 'express-validator'
import { notFound } from '../../errors.js'
import type { ApiKeyStore } from '../../store/api-keys.js'
import { defineRoutes } from '../route.js'
import { TOKEN_PATTERN } from '../scope.js'

const MAX_PATTERNS = 1000

export function keyRoutes(keys: ApiKeyStore, onRevoked: (id: string) => void) {
  return defineRoutes([
    {
      method: 'post',
      path: '/keys',
      tag: 'API keys',
      access: 'admin',
      summary: 'Create a scoped API key {name, tokens: ["sales", "shop-*", or "*"]}; answers {id, name, tokens, key} — the key is shown only here',
      validators: [
        body('name').isString().withMessage('must be a string').bail().trim().isLength({ min: 1, max: 100 }).withMessage('must be 1-100 characters'),
        body('tokens').isArray({ min: 1, max: MAX_PATTERNS }).withMessage(`must be an array of 1-${MAX_PATTERNS} tokens or patterns`).bail()
          .custom((list: unknown[]) => {
            const bad = list.findIndex((t) => typeof t !== 'string' || !TOKEN_PATTERN.test(t))
            if (bad >= 0) throw new Error(`[${bad}] must be a token, a prefix pattern like "sales-*", or "*"`)
            return true
          }),
      ],
      handler: async (req) => {
        const { name, tokens } = req.body as { name: string; tokens: string[] }
        const created = await keys.create(name, [...new Set(tokens)])
        return { id: created.id, name: created.name, tokens: created.tokens, key: created.key, createdAt: created.createdAt }
      },
    },
    {
      method: 'get',
      path: '/keys',
      tag: 'API keys',
      access: 'admin',
      summary: 'The scoped API keys [{id, name, tokens, createdAt, lastUsedAt}] (never the keys themselves)',
      handler: () => keys.list(),
    },
    {
      method: 'delete',
      path: '/keys/:id',
      tag: 'API keys',
      access: 'admin',
      summary: 'Revoke an API key: its HTTP requests and Socket.IO connections stop at once',
      validators: [param('id').isUUID().withMessage('must be a key id')],
      handler: async (req) => {
        const id = String(req.params.id)
        if (!(await keys.remove(id))) throw notFound(`API key "${id}" not found`)
        onRevoked(id)
        return { id, revoked: true }
      },
    },
  ])
}
