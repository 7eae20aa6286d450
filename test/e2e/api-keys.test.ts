// Scoped API keys: every route × (admin, key for A, key for B, revoked key, no key), generated
// from the app's own route list so a new route cannot skip the table; listings filtered; Socket.IO
// scoped and cut off at once on revoke.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { io as ioClient, type Socket } from 'socket.io-client'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RouteDef } from '../../src/http/route.js'
import { AUTH, startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

let h: Harness
let keyA = ''
let keyB = ''
let revoked = ''
let revokedId = ''
let keyAId = ''

const TOKEN = 'alpha'
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='
const NOT_FOUND = `instance "${TOKEN}" not found`

/** Resolves when the instance is open (now or after its reconnect). */
function openAgain(token: string): Promise<void> {
  return new Promise((resolve) => {
    if (h.app.sessions.get(token)?.state === 'open') return resolve()
    const off = h.app.bus.on('connection-open', (e) => {
      if (e.token !== token) return
      off()
      resolve()
    })
  })
}

async function call(key: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = key === undefined ? {} : { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(h.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let parsed: { status?: boolean; message?: string; data?: unknown } = {}
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch {
    // a PNG, a stream or the docs: only the status matters here
  }
  return { status: res.status, body: parsed }
}

const createKey = async (name: string, tokens: string[]) => {
  const r = await call(AUTH, 'POST', '/api/keys', { name, tokens })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.data as { id: string; key: string; tokens: string[] }
}

/** A concrete request for a route: its params filled in, the token of instance A in the body. */
function requestFor(r: RouteDef): { method: string; path: string; body?: unknown } {
  const path = '/api' + r.path
    .replace(':token', TOKEN).replace(':id', '00000000-0000-4000-8000-000000000000')
    .replace(':jid', '15550000000@s.whatsapp.net').replace(':number', '15550000000')
  return { method: r.method.toUpperCase(), path, body: r.method === 'get' || r.method === 'delete' ? undefined : { token: TOKEN } }
}

before(async () => {
  h = await startHarness({ env: { AUTH_FAIL_LIMIT: '1000000' } }) // wrong and revoked keys on every route, on purpose
  await h.pair(TOKEN)
  const a = await createKey('team A', [TOKEN])
  keyA = a.key
  keyAId = a.id
  keyB = (await createKey('team B', ['beta-*'])).key
  const r = await createKey('gone', ['*'])
  revoked = r.key
  revokedId = r.id
  assert.equal((await call(AUTH, 'DELETE', `/api/keys/${revokedId}`)).status, 200)
})
after(async () => {
  await h.close()
})

test('the key list shows names, patterns and use, never the keys', async () => {
  await call(keyA, 'GET', '/api/whatsapp/instances')
  const list = await call(AUTH, 'GET', '/api/keys')
  const rows = list.body.data as Array<Record<string, unknown>>
  assert.deepEqual(rows.map((k) => k.name), ['team A', 'team B'])
  assert.ok(rows.every((k) => !('key' in k) && !('hash' in k)))
  assert.ok(rows.find((k) => k.id === keyAId)?.lastUsedAt, 'lastUsedAt is recorded')
  assert.equal((await call(AUTH, 'POST', '/api/keys', { name: 'bad', tokens: ['a b'] })).status, 400)
  assert.equal((await call(AUTH, 'DELETE', `/api/keys/${revokedId}`)).status, 404)
})

test('listings and batches are filtered by the key', async () => {
  const forA = await call(keyA, 'GET', '/api/whatsapp/instances')
  assert.deepEqual((forA.body.data as Array<{ token: string }>).map((i) => i.token), [TOKEN])
  const forB = await call(keyB, 'GET', '/api/whatsapp/instances')
  assert.deepEqual(forB.body.data, [])
  await h.pair('beta-1')
  const contact = await h.sim.createContact({ name: 'batch target' })
  const batch = await call(keyB, 'POST', '/api/whatsapp/send-text', { token: 'beta-1', number: [contact.number], text: 'hi' })
  assert.equal(batch.status, 200, JSON.stringify(batch.body))
  const id = (batch.body.data as { batchId: string }).batchId
  assert.equal((await call(keyB, 'GET', `/api/whatsapp/batches/${id}`)).status, 200)
  assert.equal((await call(keyA, 'GET', `/api/whatsapp/batches/${id}`)).status, 404)
  assert.equal((await call(keyA, 'POST', `/api/whatsapp/batches/${id}/cancel`)).status, 404)
  assert.deepEqual(((await call(keyB, 'GET', '/api/whatsapp/instances')).body.data as Array<{ token: string }>).map((i) => i.token), ['beta-1'])
  assert.equal((await call(keyB, 'POST', '/api/whatsapp/create-instance', { token: 'alpha-2' })).status, 404)
})

test('Socket.IO: a key gets the events of its instances only, cannot subscribe past them, and is cut off when revoked', async () => {
  const connect = (key: string) => new Promise<Socket>((resolve, reject) => {
    const s = ioClient(h.baseUrl, { auth: { key }, transports: ['websocket'], reconnection: false })
    s.once('connect', () => resolve(s)).once('connect_error', reject)
  })
  await assert.rejects(connect(revoked), /unauthorized/)
  const temp = await createKey('temp', [TOKEN])
  const a = await connect(temp.key)
  const b = await connect(keyB)
  const seenByB: string[] = []
  b.on('connection-state', (e: { token: string }) => seenByB.push(e.token))
  const subscribed = await new Promise<{ status: boolean }>((resolve) => b.emit('subscribe', { token: TOKEN }, resolve))
  assert.equal(subscribed.status, false)
  const event = waitForEvent<{ token: string }>(a, 'connection-state', (e) => e.token === TOKEN)
  assert.equal((await call(AUTH, 'POST', `/api/whatsapp/instances/${TOKEN}/restart`)).status, 200)
  await event
  const disconnected = new Promise<string>((resolve) => a.once('disconnect', resolve))
  assert.equal((await call(AUTH, 'DELETE', `/api/keys/${temp.id}`)).status, 200)
  assert.equal(await disconnected, 'io server disconnect')
  assert.equal((await call(temp.key, 'GET', '/api/whatsapp/instances')).status, 401)
  assert.deepEqual(seenByB.filter((t) => t === TOKEN), [])
  b.close()
})

test('a scoped key never aims the gateway at a private address: webhooks (set and delivery) and media URLs', async () => {
  let hits = 0
  const local = createServer((_req, res) => {
    hits++
    res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PNG_1PX, 'base64'))
  })
  await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(local.address() as AddressInfo).port}`
  await openAgain(TOKEN) // the Socket.IO test restarted it
  try {
    const refused = await call(keyA, 'POST', `/api/whatsapp/instances/${TOKEN}/webhook`, { url: `${url}/hook` })
    assert.equal(refused.status, 400, JSON.stringify(refused.body))
    assert.match(refused.body.message ?? '', /scoped API key/)
    const contact = await h.sim.createContact({ name: 'Media target' })
    const media = { token: TOKEN, number: contact.number, type: 'image', url: `${url}/a.png` }
    const blocked = await call(keyA, 'POST', '/api/whatsapp/send-media', media)
    assert.equal(blocked.status, 400, JSON.stringify(blocked.body))
    assert.equal(hits, 0, 'the private address was never contacted for the scoped key')
    assert.equal((await call(AUTH, 'POST', '/api/whatsapp/send-media', media)).status, 200, 'the admin may (MEDIA_ALLOW_PRIVATE=true here)')
    assert.equal(hits, 1)

    // A webhook a scoped key set (public when set, say, then its name moved to a private address)
    // is checked again at delivery: nothing reaches the private address.
    h.app.webhooks.targets.set(TOKEN, { url: `${url}/hook`, events: ['*'], publicOnly: true })
    const s = await h.socket({ tokens: [TOKEN] })
    const failed = waitForEvent<{ ok: boolean; alert?: string }>(s, 'webhook-delivery', (e) => !e.ok)
    await h.api('POST', `/api/whatsapp/instances/${TOKEN}/restart`)
    assert.match((await failed).alert ?? '', /scoped API key|refused|blocked|private|loopback/i)
    assert.equal(hits, 1)
    h.app.webhooks.targets.remove(TOKEN)
    s.close()
  } finally {
    local.close()
  }
})

test('every route × every identity: A ≡ admin, B sees nothing of A, revoked and missing keys are refused', async () => {
  const routes = h.app.routes
  assert.ok(routes.length > 50, 'the table covers the whole route list')
  // Destructive calls (logout, leave, delete) go last, so they cannot change what the others see.
  const destructive = /delete-credential|sandbox\/logout|group-leave|\/keys/
  const ordered = [...routes.filter((r) => !destructive.test(r.path)), ...routes.filter((r) => destructive.test(r.path))]
  const seen: string[] = []
  for (const r of ordered) {
    const { method, path, body } = requestFor(r)
    const label = `${method} ${path}`
    for (const key of [undefined, revoked]) {
      assert.equal((await call(key, method, path, body)).status, 401, `${label} without a valid key`)
    }
    const b = await call(keyB, method, path, body)
    const a = await call(keyA, method, path, body)
    const admin = await call(AUTH, method, path, body)
    if (r.access === 'admin') {
      assert.equal(a.status, 403, `${label}: admin only (key A)`)
      assert.equal(b.status, 403, `${label}: admin only (key B)`)
      assert.notEqual(admin.status, 403, `${label}: admin`)
    } else if (r.access === 'self') {
      assert.notEqual(a.status, 401, label)
      assert.notEqual(b.status, 401, label)
    } else {
      assert.equal(b.status, 404, `${label}: key B must not see instance A (${JSON.stringify(b.body)})`)
      assert.equal(b.body.message, NOT_FOUND, label)
      // A destructive call by key A (first) changes what the admin then sees: there only A's access is compared.
      if (destructive.test(r.path)) assert.ok(![401, 403].includes(a.status) && a.body.message !== NOT_FOUND, `${label}: key A may (${JSON.stringify(a.body)})`)
      else assert.equal(a.status, admin.status, `${label}: key A answers like the admin (${JSON.stringify(a.body)} vs ${JSON.stringify(admin.body)})`)
      if (admin.body.message !== NOT_FOUND) assert.notEqual(a.body.message, NOT_FOUND, label)
    }
    seen.push(label)
  }
  assert.equal(seen.length, routes.length)
  for (const key of [keyA, keyB]) assert.equal((await call(key, 'GET', '/metrics')).status, 403)
  assert.equal((await call(AUTH, 'GET', '/metrics')).status, 200)
})
