// Security review findings on the HTTP surface: headers on every response, failed-auth rate
// limiting per IP, and the instance cap. No WhatsApp needed: nothing here pairs.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type GatewayApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { createLogger } from '../src/logger.js'

const AUTH = 'security-test-key-0123'
const FAIL_LIMIT = 5
let app: GatewayApp
let base = ''
let root = ''
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` })

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wagw-sec-'))
  const config = loadConfig({
    AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', AUTH_FAIL_LIMIT: String(FAIL_LIMIT), MAX_INSTANCES: '2',
    CREDENTIALS_DIR: join(root, 'credentials'), DATA_DIR: join(root, 'data'), SCHEDULER_FILE: join(root, 'scheduler.json'),
    WA_WS_URL: 'ws://127.0.0.1:9', RECONNECT_BASE_MS: '20', RECONNECT_CAP_MS: '50', MAX_RECONNECTS: '1',
  })
  app = await createApp({ config, logger: createLogger('silent') })
  base = `http://127.0.0.1:${await app.listen()}`
})

after(async () => {
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

describe('security headers', () => {
  test('every kind of response carries helmet headers and a strict CSP', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['/', {}], ['/js/main.js', {}], ['/api/whatsapp/instances', basic(AUTH)], ['/api/nope', basic(AUTH)], ['/nope', {}], ['/metrics', basic(AUTH)],
    ]
    for (const [path, headers] of cases) {
      const res = await fetch(base + path, { headers })
      const csp = res.headers.get('content-security-policy') ?? ''
      assert.match(csp, /default-src 'self'/, `${path}: CSP`)
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: no inline scripts`)
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, `${path}: plain-http LAN use keeps working`)
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path)
      assert.ok(res.headers.get('x-frame-options'), `${path}: x-frame-options`)
      assert.equal(res.headers.get('x-powered-by'), null, path)
      await res.arrayBuffer()
    }
  })
})

describe('what needs no key', () => {
  test('the docs page and dashboard files never count as failed auth attempts; docs allow inline styles only', async () => {
    for (let i = 0; i < FAIL_LIMIT * 3; i++) {
      for (const path of ['/api/docs/', '/', '/js/main.js']) {
        const res = await fetch(base + path)
        assert.equal(res.status, 200, `${path} #${i}`)
        if (path === '/api/docs/' && i === 0) {
          const csp = res.headers.get('content-security-policy') ?? ''
          assert.match(csp, /style-src 'self' 'unsafe-inline'/)
          assert.match(csp, /script-src 'self'(;|$)/)
        }
        await res.arrayBuffer()
      }
    }
    const ok = await fetch(base + '/api/whatsapp/instances', { headers: basic(AUTH) })
    assert.equal(ok.status, 200)
    await ok.arrayBuffer()
  })
})

describe('instance cap', () => {
  test('create-instance beyond MAX_INSTANCES answers 429 with a clear message', async () => {
    const create = (token: string) => fetch(base + '/api/whatsapp/create-instance', {
      method: 'POST', headers: { ...basic(AUTH), 'content-type': 'application/json' }, body: JSON.stringify({ token }),
    })
    for (const token of ['cap1', 'cap2']) assert.notEqual((await create(token)).status, 429, token)
    const res = await create('cap3')
    const body = (await res.json()) as { status: boolean; message: string }
    assert.equal(res.status, 429)
    assert.equal(body.status, false)
    assert.match(body.message, /MAX_INSTANCES \(2\)/)
    // An existing instance is still reachable (the cap is about new ones).
    assert.notEqual((await create('cap1')).status, 429)
  })
})

describe('failed auth attempts', () => {
  test('successes never count; failures per IP get a 429 envelope after AUTH_FAIL_LIMIT, even with the right key', async () => {
    for (let i = 0; i < FAIL_LIMIT * 4; i++) {
      const ok = await fetch(base + '/api/whatsapp/instances', { headers: basic(AUTH) })
      assert.equal(ok.status, 200)
      await ok.arrayBuffer()
    }
    for (let i = 0; i < FAIL_LIMIT; i++) {
      const res = await fetch(base + '/api/whatsapp/instances', { headers: basic(`wrong-key-${i}`) })
      assert.equal(res.status, 401, `attempt ${i + 1} is an ordinary 401`)
      await res.arrayBuffer()
    }
    const blocked = await fetch(base + '/api/whatsapp/instances', { headers: basic('wrong-again') })
    assert.equal(blocked.status, 429)
    const body = (await blocked.json()) as { status: boolean; message: string }
    assert.equal(body.status, false)
    assert.match(body.message, /too many failed auth attempts/)
    const right = await fetch(base + '/api/whatsapp/instances', { headers: basic(AUTH) })
    assert.equal(right.status, 429, 'guessing cannot go on by probing with candidate keys')
    await right.arrayBuffer()
    const metrics = await fetch(base + '/metrics', { headers: basic('nope') })
    assert.equal(metrics.status, 429, '/metrics shares the limit')
    await metrics.arrayBuffer()
  })
})
