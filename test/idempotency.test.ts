// The Idempotency-Key guard and its SQLite store, on a small express app whose handlers count how
// often they really ran: replay, 422, 409 + Retry-After, per-credential scope, which answers are
// kept, streamed answers, key syntax, expiry. The WhatsApp side is in test/e2e/idempotency.test.ts.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { AppError } from '../src/errors.js'
import { idempotency, idempotencySeedOf, keepsAnswer, withIdempotency } from '../src/http/idempotency.js'
import { errorHandler } from '../src/http/error-handler.js'
import { mountRoutes, type RouteDef } from '../src/http/route.js'
import { createLogger } from '../src/logger.js'
import { fixedIdsFrom } from '../src/messaging/fixed-ids.js'
import { openDatabase, type Db } from '../src/store/db.js'
import { SqliteIdempotencyStore } from '../src/store/idempotency-sqlite.js'
import { idempotencyStoreContract } from './helpers/idempotency-store-contract.js'

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
const ALICE = basic('alice-key-0123456789')
const BOB = basic('bob-key-01234567890')

idempotencyStoreContract('SQLite', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wagw-idem-store-'))
  const db = openDatabase(root)
  return {
    store: new SqliteIdempotencyStore(db),
    close: async () => {
      db.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
})

describe('keepsAnswer', () => {
  test('keeps successes and validation errors; not 408/409/425/429 nor 5xx', () => {
    for (const s of [200, 201, 400, 404, 413, 415, 422]) assert.equal(keepsAnswer(s), true, String(s))
    for (const s of [408, 409, 425, 429, 500, 502, 503, 504]) assert.equal(keepsAnswer(s), false, String(s))
  })
})

describe('fixedIdsFrom', () => {
  test('same seed → same ids; Baileys-shaped message id and UUID-shaped batch id', () => {
    const a = fixedIdsFrom('seed-a')
    assert.deepEqual(fixedIdsFrom('seed-a'), a)
    assert.notDeepEqual(fixedIdsFrom('seed-b'), a)
    assert.match(a.messageId, /^3EB0[0-9A-F]{18}$/)
    assert.match(a.batchId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  })
})

describe('Idempotency-Key guard', () => {
  let root: string
  let db: Db
  let server: Server
  let base = ''
  const runs: Record<string, number> = {}
  const seedsSeen: string[] = []
  let gate: { open: () => void; wait: Promise<void> } | undefined
  let failWith = 0
  const ran = (name: string) => (runs[name] = (runs[name] ?? 0) + 1)

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'wagw-idem-http-'))
    db = openDatabase(root)
    const routes: RouteDef[] = [
      {
        method: 'post', path: '/whatsapp/echo', tag: 't', summary: 's', access: 'self',
        handler: async (req, res) => {
          ran('echo')
          const seed = idempotencySeedOf(req)
          if (seed) seedsSeen.push(seed)
          await gate?.wait
          if (failWith) throw new AppError(failWith, `failing with ${failWith}`)
          res.setHeader('X-Next-Before', '42')
          return { got: req.body as unknown, run: runs.echo }
        },
      },
      {
        method: 'post', path: '/whatsapp/stream', tag: 't', summary: 's', access: 'self',
        handler: (_req, res) => {
          ran('stream')
          res.type('text/plain').send('bytes')
        },
      },
      {
        method: 'post', path: '/whatsapp/self', tag: 't', summary: 's', access: 'self',
        handler: (_req, res) => {
          ran('self')
          res.status(201).json({ mine: true }) // answers itself; the route wrapper must not answer again
        },
      },
      { method: 'post', path: '/sandbox/other', tag: 't', summary: 's', access: 'self', handler: () => ran('other') },
      { method: 'get', path: '/whatsapp/read', tag: 't', summary: 's', access: 'self', handler: () => ran('read') },
    ]
    const app = express()
    const api = express.Router()
    api.use(express.json())
    const guard = idempotency({ store: new SqliteIdempotencyStore(db), ttlHours: 24, logger: createLogger('silent') })
    mountRoutes(api, withIdempotency(routes, guard))
    app.use('/api', api)
    app.use(errorHandler(createLogger('silent')))
    server = app.listen(0, '127.0.0.1')
    await new Promise<void>((r) => server.once('listening', () => r()))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.close()
    db.close()
    rmSync(root, { recursive: true, force: true })
  })

  const call = async (path: string, body: unknown, headers: Record<string, string> = {}, auth = ALICE) => {
    const res = await fetch(`${base}/api${path}`, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, text, json: JSON.parse(text.startsWith('{') ? text : 'null') as Record<string, unknown> | null, headers: res.headers }
  }

  test('first run answers normally; a repeat (keys in another order) replays status, body and the route\'s headers without running', async () => {
    const first = await call('/whatsapp/echo', { a: 1, b: [1, { c: 2, d: 3 }] }, { 'Idempotency-Key': 'order-1' })
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('idempotent-replayed'), null)
    const again = await call('/whatsapp/echo', { b: [1, { d: 3, c: 2 }], a: 1 }, { 'Idempotency-Key': 'order-1' })
    assert.equal(again.status, 200)
    assert.equal(again.headers.get('idempotent-replayed'), 'true')
    assert.equal(again.text, first.text)
    assert.equal(again.headers.get('x-next-before'), '42')
    assert.equal(runs.echo, 1)
  })

  test('same key, another body → 422 and nothing runs', async () => {
    const before = runs.echo
    const r = await call('/whatsapp/echo', { a: 2 }, { 'Idempotency-Key': 'order-1' })
    assert.equal(r.status, 422)
    assert.match(String(r.json?.message), /already used for a different request/)
    assert.equal(runs.echo, before)
  })

  test('a repeat while the first still runs → 409 with Retry-After, then the first answer replays', async () => {
    let open!: () => void
    gate = { wait: new Promise<void>((r) => (open = r)), open: () => open() }
    const before = runs.echo
    const first = call('/whatsapp/echo', { slow: true }, { 'Idempotency-Key': 'slow-1' })
    while (runs.echo === before) await new Promise<void>((r) => setImmediate(r)) // the first is inside the handler
    const second = await call('/whatsapp/echo', { slow: true }, { 'Idempotency-Key': 'slow-1' })
    assert.equal(second.status, 409)
    assert.equal(second.headers.get('retry-after'), '1')
    gate.open()
    gate = undefined
    assert.equal((await first).status, 200)
    const third = await call('/whatsapp/echo', { slow: true }, { 'Idempotency-Key': 'slow-1' })
    assert.equal(third.headers.get('idempotent-replayed'), 'true')
    assert.equal(runs.echo, before + 1)
  })

  test('keys belong to the credential: another API key with the same key string runs on its own', async () => {
    const before = runs.echo
    const a = await call('/whatsapp/echo', { x: 1 }, { 'Idempotency-Key': 'shared' }, ALICE)
    const b = await call('/whatsapp/echo', { x: 2 }, { 'Idempotency-Key': 'shared' }, BOB)
    assert.equal(a.status, 200)
    assert.equal(b.status, 200, 'no 422: Bob never used this key')
    assert.equal(b.headers.get('idempotent-replayed'), null)
    assert.equal(runs.echo, before + 2)
  })

  test('transient failures (409, 5xx) are not kept: the retry runs again with the same seed; a 404 is kept', async () => {
    const before = runs.echo
    seedsSeen.length = 0
    failWith = 409
    assert.equal((await call('/whatsapp/echo', { t: 1 }, { 'Idempotency-Key': 'flaky' })).status, 409)
    failWith = 503
    assert.equal((await call('/whatsapp/echo', { t: 1 }, { 'Idempotency-Key': 'flaky' })).status, 503)
    failWith = 0
    const ok = await call('/whatsapp/echo', { t: 1 }, { 'Idempotency-Key': 'flaky' })
    assert.equal(ok.status, 200)
    assert.equal(ok.headers.get('idempotent-replayed'), null)
    assert.equal(runs.echo, before + 3)
    assert.equal(seedsSeen.length, 3)
    assert.equal(new Set(seedsSeen).size, 1, 'every attempt of the key derives the same message id')
    failWith = 404
    assert.equal((await call('/whatsapp/echo', { t: 2 }, { 'Idempotency-Key': 'missing' })).status, 404)
    failWith = 0
    const kept = await call('/whatsapp/echo', { t: 2 }, { 'Idempotency-Key': 'missing' })
    assert.equal(kept.status, 404)
    assert.equal(kept.headers.get('idempotent-replayed'), 'true')
  })

  test('invalid keys → 400; no header, other methods and paths outside /api/whatsapp/ run every time', async () => {
    for (const key of ['', 'x'.repeat(256), 'has space', 'caf\u00e9']) {
      const r = await call('/whatsapp/echo', {}, { 'Idempotency-Key': key })
      assert.equal(r.status, 400, `key ${JSON.stringify(key)}`)
      assert.match(String(r.json?.message), /Idempotency-Key: must be 1 to 255 visible ASCII characters/)
    }
    assert.equal((await call('/whatsapp/echo', {}, { 'Idempotency-Key': 'x'.repeat(255) })).status, 200)
    const before = runs.echo
    await call('/whatsapp/echo', { n: 1 })
    await call('/whatsapp/echo', { n: 1 })
    assert.equal(runs.echo, before + 2)
    await call('/sandbox/other', {}, { 'Idempotency-Key': 'o' })
    await call('/sandbox/other', {}, { 'Idempotency-Key': 'o' })
    assert.equal(runs.other, 2)
  })

  test('a handler that answers with res.json itself: its answer (not the wrapper\'s) is sent and kept', async () => {
    const a = await call('/whatsapp/self', {}, { 'Idempotency-Key': 'self-1' })
    assert.deepEqual([a.status, a.json], [201, { mine: true }])
    const b = await call('/whatsapp/self', {}, { 'Idempotency-Key': 'self-1' })
    assert.deepEqual([b.status, b.json, b.headers.get('idempotent-replayed')], [201, { mine: true }, 'true'])
    assert.equal(runs.self, 1)
  })

  test('multipart text fields are parsed before the guard hashes them: same fields replay, others → 422', async () => {
    const form = (text: string) => {
      const f = new FormData()
      f.set('text', text)
      return fetch(`${base}/api/whatsapp/echo`, { method: 'POST', headers: { authorization: ALICE, 'Idempotency-Key': 'form-1' }, body: f })
    }
    const a = await form('one')
    assert.deepEqual(((await a.json()) as { data: { got: unknown } }).data.got, { text: 'one' })
    assert.equal((await form('one')).headers.get('idempotent-replayed'), 'true')
    assert.equal((await form('two')).status, 422)
  })

  test('a streamed (non-JSON) answer is not kept: the key is released and the repeat runs again', async () => {
    const a = await call('/whatsapp/stream', {}, { 'Idempotency-Key': 's1' })
    assert.equal(a.text, 'bytes')
    const b = await call('/whatsapp/stream', {}, { 'Idempotency-Key': 's1' })
    assert.equal(b.text, 'bytes')
    assert.equal(b.headers.get('idempotent-replayed'), null)
    assert.equal(runs.stream, 2)
  })
})
