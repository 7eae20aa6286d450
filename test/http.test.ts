// HTTP foundation: auth on every declared route (walks the app's own route list), the envelope,
// token validation, body limits and content types. No WhatsApp needed: nothing here connects.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type GatewayApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { createLogger } from '../src/logger.js'

const AUTH = 'unit-auth-key-42'
let app: GatewayApp
let base = ''
let root = ''

const b64 = (s: string) => Buffer.from(s).toString('base64')
const concretePath = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => (name === 'token' ? 'tok1' : `x${name}`))

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wagw-http-'))
  const config = loadConfig({
    AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', BODY_LIMIT: '1kb',
    CREDENTIALS_DIR: join(root, 'credentials'), DATA_DIR: join(root, 'data'), SCHEDULER_FILE: join(root, 'scheduler.json'),
    // Nothing listens here: sessions must back off quietly, never crash the server.
    WA_WS_URL: 'ws://127.0.0.1:9', RECONNECT_BASE_MS: '20', RECONNECT_CAP_MS: '50', MAX_RECONNECTS: '2',
    AUTH_FAIL_LIMIT: '1000000', // this file sends hundreds of wrong keys on purpose
  })
  app = await createApp({ config, logger: createLogger('silent') })
  base = `http://127.0.0.1:${await app.listen()}`
})

after(async () => {
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

describe('auth', () => {
  const wrong: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['wrong key', { authorization: `Basic ${b64('nope:')}` }],
    ['key with a password', { authorization: `Basic ${b64(`${AUTH}:secret`)}` }],
    ['bearer scheme', { authorization: `Bearer ${AUTH}` }],
    ['prefix of the key', { authorization: `Basic ${b64(AUTH.slice(0, -1) + ':')}` }],
  ]

  test('every declared route refuses missing or wrong credentials with a 401 envelope', async () => {
    assert.ok(app.routes.length >= 6, 'the route list is populated')
    for (const r of app.routes) {
      for (const [name, headers] of wrong) {
        const res = await fetch(base + '/api' + concretePath(r.path), { method: r.method.toUpperCase(), headers })
        assert.equal(res.status, 401, `${r.method} ${r.path} with ${name}`)
        const body = (await res.json()) as { status: boolean; message: string }
        assert.equal(body.status, false)
        assert.match(body.message, /unauthorized/)
      }
    }
    const metrics = await fetch(base + '/metrics')
    assert.equal(metrics.status, 401)
  })

  test('every declared route accepts both Basic forms (never 401)', async () => {
    for (const r of app.routes) {
      for (const header of [`Basic ${b64(`${AUTH}:`)}`, `Basic ${b64(AUTH)}`]) {
        const res = await fetch(base + '/api' + concretePath(r.path), {
          method: r.method.toUpperCase(),
          headers: { authorization: header, 'content-type': 'application/json' },
          body: r.method === 'get' ? undefined : '{}',
        })
        assert.notEqual(res.status, 401, `${r.method} ${r.path}`)
        assert.ok(res.status < 500, `${r.method} ${r.path} answered ${res.status}`)
      }
    }
  })

  test('metrics are served in Prometheus format with auth', async () => {
    const res = await fetch(base + '/metrics', { headers: { authorization: `Basic ${b64(`${AUTH}:`)}` } })
    assert.equal(res.status, 200)
    const text = await res.text()
    assert.match(text, /wa_instances\{state="open"\} 0/)
    assert.match(text, /process_resident_memory_bytes/)
  })
})

describe('input handling', () => {
  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(base + path, { method: 'POST', headers: { authorization: `Basic ${b64(`${AUTH}:`)}`, 'content-type': contentType }, body })

  test('bad tokens get 400 and create no folder', async () => {
    for (const token of ['../x', '', 'a'.repeat(200), 'a/b', '%2e%2e', '..', 'a b', 'ü']) {
      const res = await post('/api/whatsapp/create-instance', JSON.stringify({ token }))
      assert.equal(res.status, 400, `token ${JSON.stringify(token)}`)
      const body = (await res.json()) as { status: boolean; message: string }
      assert.equal(body.status, false)
      assert.match(body.message, /^token: /)
    }
    const res = await fetch(base + '/api/whatsapp/instances/%2e%2e/qr', { headers: { authorization: `Basic ${b64(`${AUTH}:`)}` } })
    assert.ok(res.status === 400 || res.status === 404)
    const credentials = join(root, 'credentials')
    assert.deepEqual(existsSync(credentials) ? readdirSync(credentials) : [], [])
    assert.equal(existsSync(join(root, 'x')), false)
  })

  test('malformed JSON, wrong content type and a too-large body get a 4xx envelope', async () => {
    const cases: Array<[string, Response, number]> = [
      ['malformed', await post('/api/whatsapp/create-instance', '{"token":'), 400],
      ['text/plain', await post('/api/whatsapp/create-instance', 'token=abc', 'text/plain'), 415],
      ['too large', await post('/api/whatsapp/create-instance', JSON.stringify({ token: 'abc', pad: 'x'.repeat(5000) })), 413],
    ]
    for (const [name, res, status] of cases) {
      assert.equal(res.status, status, name)
      const body = (await res.json()) as { status: boolean; message: string }
      assert.equal(body.status, false, name)
      assert.equal(typeof body.message, 'string', name)
      assert.doesNotMatch(body.message, /at .*\.ts/, 'no stack traces')
    }
  })

  test('an array where one value belongs (repeated query keys, JSON arrays) is a 400, never a 500 or a silent no-op', async () => {
    const headers = { authorization: `Basic ${b64(`${AUTH}:`)}` }
    for (const path of ['/api/whatsapp/store/tok1/chats?limit=1&limit=2', '/api/whatsapp/instances/tok1/webhook/deliveries?status=pending&status=dead']) {
      const res = await fetch(base + path, { headers })
      assert.equal(res.status, 400, path)
      assert.match(((await res.json()) as { message: string }).message, /must be one value, not an array/, path)
    }
    const cases: Array<[string, Record<string, unknown>]> = [
      ['/api/whatsapp/store/chats', { token: 'tok1', type: 'chats', limit: [1, 2] }],
      ['/api/whatsapp/store/chats', { token: 'tok1', type: [] }],
      ['/api/whatsapp/group-participants', { token: 'tok1', number: '120363000000000001@g.us', action: ['add'], participants: ['6281234567890'] }],
      ['/api/whatsapp/send-presence', { token: 'tok1', number: '6281234567890', presence: ['typing'] }],
    ]
    for (const [path, body] of cases) {
      const res = await post(path, JSON.stringify(body))
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`)
      assert.match(((await res.json()) as { message: string }).message, /must be one value, not an array/)
    }
  })

  test('unknown routes answer a 404 envelope', async () => {
    const res = await fetch(base + '/api/whatsapp/nope', { headers: { authorization: `Basic ${b64(`${AUTH}:`)}` } })
    assert.equal(res.status, 404)
    const body = (await res.json()) as { status: boolean; message: string }
    assert.equal(body.status, false)
    assert.equal(body.message, 'no route GET /api/whatsapp/nope', 'the message names the full path')
  })

  test('a wrong method on a declared path answers 405 with Allow derived from the route list', async () => {
    const authorization = `Basic ${b64(`${AUTH}:`)}`
    const cases: Array<[string, string, string[]]> = [
      ['GET', '/api/whatsapp/send-text', ['POST']],
      ['DELETE', '/api/whatsapp/instances/tok1', ['GET', 'HEAD']],
      ['PUT', '/api/whatsapp/instances/tok1/webhook?x=1', ['POST', 'GET', 'HEAD', 'DELETE']],
    ]
    for (const [method, path, allowed] of cases) {
      const res = await fetch(base + path, { method, headers: { authorization } })
      assert.equal(res.status, 405, `${method} ${path}`)
      assert.deepEqual(res.headers.get('allow')?.split(', ').sort(), [...allowed].sort(), `${method} ${path}`)
      const body = (await res.json()) as { status: boolean; message: string }
      assert.equal(body.status, false)
      assert.match(body.message, new RegExp(`method ${method} is not allowed on ${path.split('?')[0]}`))
    }
    // The Allow header lists exactly the methods the route list declares for that path.
    for (const r of app.routes) {
      const declared = app.routes.filter((o) => o.path === r.path).map((o) => o.method.toUpperCase())
      const other = ['GET', 'POST', 'PUT', 'DELETE'].find((m) => !declared.includes(m))
      if (!other) continue
      const res = await fetch(base + '/api' + concretePath(r.path), { method: other, headers: { authorization } })
      assert.equal(res.status, 405, `${other} ${r.path}`)
      for (const m of declared) assert.ok(res.headers.get('allow')?.includes(m), `${r.path} Allow has ${m}`)
    }
  })

  test('an instance that cannot reach WhatsApp backs off and ends in state failed without crashing', async () => {
    const headers = { authorization: `Basic ${b64(`${AUTH}:`)}`, 'content-type': 'application/json' }
    const failed = new Promise<void>((resolve) => {
      const off = app.bus.on('connection-state', (e) => {
        if (e.token === 'unreachable' && e.state === 'failed') {
          off()
          resolve()
        }
      })
    })
    const res = await fetch(base + '/api/whatsapp/create-instance', { method: 'POST', headers, body: JSON.stringify({ token: 'unreachable' }) })
    assert.equal(res.status, 200)
    await failed
    const list = (await (await fetch(base + '/api/whatsapp/instances', { headers })).json()) as { data: Array<{ token: string; state: string }> }
    assert.deepEqual(list.data.find((i) => i.token === 'unreachable')?.state, 'failed')
  })

  test('create-instance with a phone answers a 409 when no pairing code can come (it used to hang)', async () => {
    const headers = { authorization: `Basic ${b64(`${AUTH}:`)}`, 'content-type': 'application/json' }
    const res = await fetch(base + '/api/whatsapp/create-instance', {
      method: 'POST', headers, body: JSON.stringify({ token: 'unreachable-code', phone: '628123456789' }), signal: AbortSignal.timeout(15_000),
    })
    assert.equal(res.status, 409)
    const body = (await res.json()) as { status: boolean; message: string }
    assert.equal(body.status, false)
    assert.match(body.message, /no pairing code: the instance is failed/)
  })
})
