// A proxy per instance: every websocket and media upload of an instance with a proxy goes through
// it (real local SOCKS5 with a password, and HTTP CONNECT), another instance goes direct, the
// listing masks the password, a change reconnects, and a dead proxy means a clear lastError and
// backoff, never a crash.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startHttpConnectProxy, startSocks5, type TestProxy } from '../helpers/proxies.js'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='
let h: Harness
let socks: TestProxy
let http: TestProxy
let wsPort = 0
let mediaPort = 0

before(async () => {
  h = await startHarness({ env: { MAX_RECONNECTS: '50' } })
  socks = await startSocks5({ user: 'proxyuser', pass: 's3cret-proxy' })
  http = await startHttpConnectProxy()
  wsPort = Number(new URL(h.sim.wsUrl).port)
  mediaPort = Number(h.sim.mediaHost.split(':')[1])
})
after(async () => {
  await h.close()
  await socks.close()
  await http.close()
})

async function pairVia(token: string, proxy?: string) {
  const s = await h.socket({ tokens: [token] })
  const qr = waitForEvent<{ token: string; qr: string }>(s, 'qrcode', (e) => e.token === token)
  const opened = waitForEvent(s, 'connection-open', (e: { token: string }) => e.token === token)
  const created = await h.api<{ proxy: string | null }>('POST', '/api/whatsapp/create-instance', { token, ...(proxy ? { proxy } : {}) })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const { phone } = await h.sim.scanQr((await qr).qr)
  await opened
  s.close()
  return { phone, created: created.body.data }
}

test('an instance with a SOCKS5 proxy dials and uploads through it; one without goes direct', async () => {
  const { created } = await pairVia('via-socks', socks.url)
  assert.equal(created?.proxy, socks.url.replace('s3cret-proxy', '***'))
  // QR login, then the 515 restart: two websockets, both through the proxy.
  assert.equal(socks.tunnels.get(wsPort), 2)
  const before = new Map(socks.tunnels)
  await pairVia('direct')
  assert.deepEqual(socks.tunnels, before, 'the direct instance never touched the proxy')

  const contact = await h.sim.createContact({ name: 'Proxy friend' })
  const sent = await h.api<{ key: { id: string } }>('POST', '/api/whatsapp/send-media', { token: 'via-socks', number: contact.number, type: 'image', base64: PNG_1PX })
  assert.equal(sent.status, 200, JSON.stringify(sent.body))
  const got = await contact.waitForMessage((m) => m.id === sent.body.data?.key.id)
  assert.equal(got.mediaError, undefined)
  assert.ok((socks.tunnels.get(mediaPort) ?? 0) >= 1, 'the media upload went through the proxy')

  const list = await h.api<Array<{ token: string; proxy: string | null }>>('GET', '/api/whatsapp/instances')
  assert.deepEqual(list.body.data?.map((i) => [i.token, i.proxy]), [['via-socks', 'socks5://proxyuser:***@127.0.0.1:' + new URL(socks.url).port], ['direct', null]])
  assert.doesNotMatch(JSON.stringify(list.body), /s3cret-proxy/)
})

test('changing the proxy reconnects through the new one; a dead proxy gives lastError and backoff; null goes direct', async () => {
  const s = await h.socket({ tokens: ['via-socks'] })
  const reopened = waitForEvent(s, 'connection-open', (e: { token: string }) => e.token === 'via-socks')
  const changed = await h.api('POST', '/api/whatsapp/instances/via-socks/proxy', { proxy: http.url })
  assert.equal(changed.status, 200, JSON.stringify(changed.body))
  await reopened
  assert.equal(http.tunnels.get(wsPort), 1)

  const dead = await startSocks5()
  await dead.close() // its port is now closed: nothing listens there
  const retrying = waitForEvent<{ token: string; state: string; reason?: string }>(s, 'connection-state', (e) => e.token === 'via-socks' && e.state === 'connecting' && Boolean(e.reason))
  await h.api('POST', '/api/whatsapp/instances/via-socks/proxy', { proxy: dead.url })
  await retrying
  const info = await h.api<{ state: string; lastError: string | null }>('GET', '/api/whatsapp/instances/via-socks')
  assert.equal(info.body.data?.state, 'connecting')
  assert.match(info.body.data?.lastError ?? '', /ECONNREFUSED|proxy|socks/i)

  const direct = waitForEvent(s, 'connection-open', (e: { token: string }) => e.token === 'via-socks')
  assert.equal((await h.api('POST', '/api/whatsapp/instances/via-socks/proxy', { proxy: null })).status, 200)
  await direct
  s.close()
  assert.equal((await h.api('POST', '/api/whatsapp/instances/via-socks/proxy', { proxy: 'ftp://x:1' })).status, 400)
  assert.equal((await h.api('POST', '/api/whatsapp/create-instance', { token: 'bad-proxy', proxy: 'not a url' })).status, 400)
})

test('the proxy is kept across a gateway restart: autostart dials through it', async () => {
  const set = await h.api('POST', '/api/whatsapp/instances/direct/proxy', { proxy: http.url })
  assert.equal(set.status, 200, JSON.stringify(set.body))
  const tunnelsBefore = http.tunnels.get(wsPort) ?? 0
  await h.restartGateway()
  await new Promise<void>((resolve) => {
    if (h.app.sessions.get('direct')?.state === 'open') return resolve()
    const off = h.app.bus.on('connection-open', (e) => {
      if (e.token === 'direct') {
        off()
        resolve()
      }
    })
  })
  assert.ok((http.tunnels.get(wsPort) ?? 0) > tunnelsBefore, 'the autostarted login went through the proxy')
  const info = await h.api<{ proxy: string | null }>('GET', '/api/whatsapp/instances/direct')
  assert.equal(info.body.data?.proxy, http.url)
})

test('media URLs fetched for a send and downloads of received media go through the instance proxy', async () => {
  let hits = 0
  const files = createServer((_req, res) => {
    hits++
    res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PNG_1PX, 'base64'))
  })
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve))
  const filesPort = (files.address() as AddressInfo).port
  try {
    const { phone } = await pairVia('fetcher', socks.url)
    const contact = await h.sim.createContact({ name: 'Fetch friend' })
    const sent = await h.api<{ key: { id: string } }>('POST', '/api/whatsapp/send-media', {
      token: 'fetcher', number: contact.number, type: 'image', url: `http://127.0.0.1:${filesPort}/a.png`,
    })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.equal(hits, 1)
    assert.equal(socks.tunnels.get(filesPort), 1, 'the media URL was fetched through the proxy')

    // A picture the contact sends: download-media fetches it from the media host through the proxy.
    const s = await h.socket({ tokens: ['fetcher'] })
    const got = waitForEvent<{ token: string; message: { key: { id: string; fromMe: boolean } } }>(s, 'message-upsert', (e) => e.token === 'fetcher' && !e.message.key.fromMe)
    await contact.sendMedia(phone, { data: Buffer.from(PNG_1PX, 'base64'), mimetype: 'image/png', caption: 'for you' })
    const incoming = await got
    s.close()
    const before = socks.tunnels.get(mediaPort) ?? 0
    const res = await fetch(`${h.baseUrl}/api/whatsapp/download-media`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('test-auth-key-123:').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'fetcher', message: incoming.message }),
    })
    assert.equal(res.status, 200, await res.clone().text())
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from(PNG_1PX, 'base64'))
    assert.ok((socks.tunnels.get(mediaPort) ?? 0) > before, 'the download went through the proxy')
  } finally {
    files.close()
  }
})
