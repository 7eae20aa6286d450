// STORE=false: no store, no ingestion, the /store routes say so with a 409; webhooks still work.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type GatewayApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { createLogger } from '../src/logger.js'

const AUTH = 'store-off-key-1234'
let app: GatewayApp
let base = ''
let root = ''
const headers = { authorization: `Basic ${Buffer.from(`${AUTH}:`).toString('base64')}`, 'content-type': 'application/json' }

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wagw-store-off-'))
  app = await createApp({
    config: loadConfig({
      AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', STORE: 'false',
      CREDENTIALS_DIR: join(root, 'credentials'), DATA_DIR: join(root, 'data'), SCHEDULER_FILE: join(root, 'scheduler.json'),
      WA_WS_URL: 'ws://127.0.0.1:9',
    }),
    logger: createLogger('silent'),
  })
  base = `http://127.0.0.1:${await app.listen()}`
})
after(async () => {
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

test('STORE=false: no store; /store routes answer 409 with the reason; webhook config still works', async () => {
  assert.equal(app.store, undefined)
  for (const [method, path, body] of [
    ['POST', '/api/whatsapp/store/chats', { token: 'tok1', type: 'chats' }],
    ['GET', '/api/whatsapp/store/tok1/contacts', undefined],
    ['GET', '/api/whatsapp/store/tok1/chats/628123456@s.whatsapp.net/messages', undefined],
  ] as const) {
    const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined })
    assert.equal(res.status, 409, `${method} ${path}`)
    assert.deepEqual(await res.json(), { status: false, message: 'the store is turned off on this server (STORE=false)' })
  }
  const set = await fetch(`${base}/api/whatsapp/instances/tok1/webhook`, { method: 'POST', headers, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['*'] }) })
  assert.equal(set.status, 200)
  const list = await fetch(`${base}/api/whatsapp/instances/tok1/webhook/deliveries?limit=5`, { headers })
  assert.deepEqual(await list.json(), { status: true, data: [] })
})
