// WEBHOOK_ALLOW_PRIVATE=false: webhook receivers obey the media address policy at set time (the
// API refuses) and at delivery time (global and per-instance URLs, literal IPs and names), and no
// request reaches the refused receiver. The stored answer of a delivery is short plain text.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type GatewayApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { EventBus, type GatewayEvents } from '../src/events/bus.js'
import { answerExcerpt } from '../src/events/webhooks/dispatcher.js'
import { createWebhooks, type Webhooks } from '../src/events/webhooks/index.js'
import { createLogger } from '../src/logger.js'
import { openDatabase, type Db } from '../src/store/db.js'

const HTML = `<!doctype html><html><head><style>body{color:red}</style><script>var secret = 1</script></head>
<body><h1>502 Bad Gateway</h1>${'<p>filler &amp; more</p>\n'.repeat(2000)}</body></html>`

let hits = 0
let server: Server
let receiverUrl = ''

before(async () => {
  server = createServer((_req, res) => {
    hits++
    res.writeHead(502, { 'content-type': 'text/html' }).end(HTML)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

function setup(allowPrivate: boolean, globalUrl?: string) {
  const root = mkdtempSync(join(tmpdir(), 'wagw-webhook-policy-'))
  const db: Db = openDatabase(root)
  const bus = new EventBus()
  const webhooks: Webhooks = createWebhooks({
    db, bus, logger: createLogger('silent'), ownJid: () => '6281000:3@s.whatsapp.net',
    config: {
      webhook: globalUrl, webhookEvents: ['message-upsert'], webhookRetryBaseMs: 10, webhookRetryCapMs: 20, webhookMaxAttempts: 1,
      webhookTimeoutMs: 2000, webhookConcurrency: 2, webhookKeepDays: 7, webhookAllowPrivate: allowPrivate,
    },
  })
  webhooks.start()
  const delivered = (token: string) => new Promise<GatewayEvents['webhook-delivery']>((resolve) => {
    const off = bus.on('webhook-delivery', (r) => {
      if (r.token !== token) return
      off()
      resolve(r)
    })
  })
  const emit = (token: string) => {
    const key = { remoteJid: 'a@s.whatsapp.net', fromMe: false, id: `ID-${token}` }
    const a = { jid: 'a@s.whatsapp.net', phone: null, lid: null, name: null }
    bus.emit('message-upsert', { token, key, type: 'notify', message: { key, message: { conversation: 'hi' } }, chat: { ...a, isGroup: false }, sender: a })
  }
  const close = async () => {
    await webhooks.stop()
    db.close()
    rmSync(root, { recursive: true, force: true })
  }
  return { webhooks, delivered, emit, close }
}

describe('WEBHOOK_ALLOW_PRIVATE=false at delivery time', () => {
  test('the global WEBHOOK on a loopback literal is refused without a request', async () => {
    const w = setup(false, receiverUrl)
    try {
      const before = hits
      const report = w.delivered('tokG')
      w.emit('tokG')
      const r = await report
      assert.equal(r.ok, false)
      const [d] = w.webhooks.outbox.list('tokG', { limit: 1 })
      assert.match(String(d!.lastError), /127\.0\.0\.1 \(loopback\).*WEBHOOK_ALLOW_PRIVATE/)
      assert.equal(hits, before, 'the receiver saw no request')
    } finally {
      await w.close()
    }
  })

  test('a per-instance URL stored earlier (by name: localhost) is refused at delivery', async () => {
    const w = setup(false)
    try {
      const before = hits
      w.webhooks.targets.set('tokI', { url: receiverUrl.replace('127.0.0.1', 'localhost') })
      const report = w.delivered('tokI')
      w.emit('tokI')
      assert.equal((await report).ok, false)
      const [d] = w.webhooks.outbox.list('tokI', { limit: 1 })
      assert.match(String(d!.lastError), /localhost resolves to .*loopback/)
      assert.equal(hits, before)
    } finally {
      await w.close()
    }
  })

  test('default (true): local receivers work; the stored answer is short plain text, not the HTML page', async () => {
    const w = setup(true)
    try {
      w.webhooks.targets.set('tokA', { url: receiverUrl })
      const report = w.delivered('tokA')
      w.emit('tokA')
      const r = await report
      assert.equal(r.status, 502)
      const [d] = w.webhooks.outbox.list('tokA', { limit: 1 })
      const answer = String(d!.lastAnswer)
      assert.ok(answer.length <= 200, `short: ${answer.length} chars`)
      assert.match(answer, /^502 Bad Gateway filler & more/)
      assert.doesNotMatch(answer, /[<>]|secret|color:red|\n/)
    } finally {
      await w.close()
    }
  })
})

test('answerExcerpt strips tags, comments and control characters', () => {
  assert.equal(answerExcerpt('ok'), 'ok')
  assert.equal(answerExcerpt('<b>fine</b>\u0000\u0007 <!-- hidden --> done'), 'fine done')
  assert.equal(answerExcerpt('<script>alert(1)'), '')
  assert.equal(answerExcerpt('x'.repeat(1000)).length, 200)
})

describe('WEBHOOK_ALLOW_PRIVATE=false at set time (the API)', () => {
  let app: GatewayApp
  let base = ''
  let root = ''
  const auth = `Basic ${Buffer.from('webhook-policy-key-1:').toString('base64')}`
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'wagw-webhook-policy-app-'))
    const config = loadConfig({
      AUTH: 'webhook-policy-key-1', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', WEBHOOK_ALLOW_PRIVATE: 'false',
      CREDENTIALS_DIR: join(root, 'credentials'), DATA_DIR: join(root, 'data'), SCHEDULER_FILE: join(root, 'scheduler.json'),
    })
    app = await createApp({ config, logger: createLogger('silent') })
    base = `http://127.0.0.1:${await app.listen()}`
  })
  after(async () => {
    await app.close()
    rmSync(root, { recursive: true, force: true })
  })

  test('private, link-local, loopback literals and names resolving to loopback answer 400', async () => {
    for (const [url, pattern] of [
      ['http://10.0.0.1/hook', /10\.0\.0\.1 \(private\)/], ['http://192.168.1.20:8080/hook', /private/],
      ['http://169.254.169.254/latest', /link-local/], [receiverUrl, /loopback/], ['http://localhost:9/x', /localhost resolves to .*loopback/],
      ['http://[::1]:9/x', /loopback/],
    ] as const) {
      const r = await fetch(`${base}/api/whatsapp/instances/tok1/webhook`, {
        method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ url }),
      })
      const body = (await r.json()) as { status: boolean; message: string }
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(body)}`)
      assert.match(body.message, pattern)
      assert.match(body.message, /WEBHOOK_ALLOW_PRIVATE/)
    }
    assert.equal(app.webhooks.targets.get('tok1'), undefined, 'nothing was stored')
  })
})
