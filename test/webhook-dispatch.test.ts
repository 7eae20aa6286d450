// The dispatcher against a real local HTTP receiver (no WhatsApp needed): retries with the same
// delivery id, order per chat behind a failing event, other chats flowing meanwhile, dead letters,
// replay, timeouts, and the webhook-delivery reports + metrics.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus, type GatewayEvents } from '../src/events/bus.js'
import { createWebhooks, type Webhooks } from '../src/events/webhooks/index.js'
import { verifySignature } from '../src/events/webhooks/signing.js'
import { createLogger } from '../src/logger.js'
import { createMetrics } from '../src/metrics.js'
import type { SessionManager } from '../src/sessions/manager.js'
import { openDatabase, type Db } from '../src/store/db.js'

interface Hit { id: string; event: string; signature?: string; timestamp?: string; body: string; parsed: { key?: { id?: string; remoteJid?: string } } }

/** A receiver whose answer per request is decided by `respond` (status, or 'hang'). */
async function receiver(respond: (hit: Hit, n: number) => number | 'hang') {
  const hits: Hit[] = []
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const hit: Hit = { id: String(req.headers['x-delivery-id']), event: String(req.headers['x-event']), signature: req.headers['x-signature'] as string | undefined, timestamp: req.headers['x-timestamp'] as string | undefined, body, parsed: JSON.parse(body) as Hit['parsed'] }
      hits.push(hit)
      const answer = respond(hit, hits.length)
      if (answer === 'hang') return
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 300 ? 'busy, try later' : 'ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  return { hits, url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }) }
}

const SECRET = 'unit-secret-123'
let root = ''
let db: Db
let bus: EventBus
let webhooks: Webhooks
let metricsText: () => Promise<string>
const reports: Array<GatewayEvents['webhook-delivery']> = []

before(() => {
  root = mkdtempSync(join(tmpdir(), 'wagw-webhook-dispatch-'))
  db = openDatabase(root)
  bus = new EventBus()
  const metrics = createMetrics(bus, { list: () => [] } as unknown as SessionManager)
  metricsText = () => metrics.registry.metrics()
  webhooks = createWebhooks({
    db, bus, logger: createLogger('silent'), metrics, ownJid: () => '6281000:3@s.whatsapp.net',
    config: {
      webhookEvents: ['message-upsert'], webhookRetryBaseMs: 20, webhookRetryCapMs: 80, webhookMaxAttempts: 4,
      webhookTimeoutMs: 300, webhookConcurrency: 4, webhookKeepDays: 7,
    },
  })
  bus.on('webhook-delivery', (r) => reports.push(r))
  webhooks.start()
})
after(async () => {
  await webhooks.stop()
  db.close()
  rmSync(root, { recursive: true, force: true })
})

/** Resolves with the webhook-delivery reports once `count` matching ones arrived. */
function reportsFor(pred: (r: GatewayEvents['webhook-delivery']) => boolean, count = 1, ms = 10_000) {
  return new Promise<Array<GatewayEvents['webhook-delivery']>>((resolve, reject) => {
    const got: Array<GatewayEvents['webhook-delivery']> = []
    const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${count} webhook-delivery reports (got ${got.length})`)) }, ms)
    const off = bus.on('webhook-delivery', (r) => {
      if (!pred(r)) return
      got.push(r)
      if (got.length === count) { clearTimeout(timer); off(); resolve(got) }
    })
  })
}

let n = 0
const emitMessage = (token: string, chat: string) => {
  const key = { remoteJid: chat, fromMe: false, id: `ID${++n}` }
  const person = { jid: chat, phone: chat.split('@')[0]!, lid: null, name: null }
  bus.emit('message-upsert', {
    token, key, type: 'notify', message: { key, message: { conversation: `text ${n}` }, messageTimestamp: 1700000000 + n },
    chat: { ...person, isGroup: false }, sender: person,
  })
  return key.id
}

describe('dispatcher', () => {
  test('retries failures with the same delivery id and signature, then delivers; reports alert then info', async () => {
    const r = await receiver((_h, i) => (i <= 2 ? 503 : 200))
    webhooks.targets.set('tokR', { url: r.url, secret: SECRET })
    const done = reportsFor((x) => x.token === 'tokR' && x.ok)
    const id = emitMessage('tokR', 'a@s.whatsapp.net')
    await done
    assert.equal(r.hits.length, 3)
    assert.equal(new Set(r.hits.map((h) => h.id)).size, 1, 'X-Delivery-Id is stable across retries')
    for (const h of r.hits) {
      assert.ok(verifySignature(SECRET, h.body, h.signature, h.timestamp), 'signature verifies on every attempt')
      assert.equal(h.event, 'message-upsert')
      assert.equal(h.parsed.key?.id, id)
    }
    const [d] = webhooks.outbox.list('tokR', { limit: 1 })
    assert.equal(d!.status, 'delivered')
    assert.equal(d!.attempts, 3)
    assert.equal(d!.lastStatus, 200)
    const mine = reports.filter((x) => x.deliveryId === d!.id)
    assert.deepEqual(mine.map((x) => x.ok), [false, false, true])
    assert.match(mine[0]!.alert!, /HTTP 503.*retrying/)
    assert.match(mine[2]!.info!, /delivered/)
    const text = await metricsText()
    assert.match(text, /wa_webhook_delivered_total\{event="message-upsert"\} 1/)
    assert.match(text, /wa_webhook_failed_attempts_total\{event="message-upsert"\} 2/)
    assert.match(text, /wa_webhook_queue_depth 0/)
    webhooks.targets.remove('tokR')
    await r.close()
  })

  test('a failing event holds back later events of its chat, not other chats; order is kept', async () => {
    let failFirst = 2
    const r = await receiver((h) => (h.parsed.key?.remoteJid === 'slow@s.whatsapp.net' && failFirst-- > 0 ? 500 : 200))
    webhooks.targets.set('tokO', { url: r.url })
    const done = reportsFor((x) => x.token === 'tokO' && x.ok, 5)
    const slow = [emitMessage('tokO', 'slow@s.whatsapp.net'), emitMessage('tokO', 'slow@s.whatsapp.net'), emitMessage('tokO', 'slow@s.whatsapp.net')]
    const fast = [emitMessage('tokO', 'fast@s.whatsapp.net'), emitMessage('tokO', 'fast@s.whatsapp.net')]
    await done
    assert.equal(webhooks.outbox.depth(), 0)
    const order = (chat: string) => r.hits.filter((h) => h.parsed.key?.remoteJid === chat).map((h) => h.parsed.key!.id)
    assert.deepEqual(order('slow@s.whatsapp.net'), [slow[0], slow[0], slow[0], slow[1], slow[2]], 'later events waited behind the failing one')
    assert.deepEqual(order('fast@s.whatsapp.net'), fast)
    const firstSlowOk = r.hits.findIndex((h, i) => h.parsed.key?.id === slow[0] && i >= 2)
    const lastFast = r.hits.map((h) => h.parsed.key?.remoteJid).lastIndexOf('fast@s.whatsapp.net')
    assert.ok(lastFast < firstSlowOk, 'the other chat was delivered while the slow one was backing off')
    webhooks.targets.remove('tokO')
    await r.close()
  })

  test('dead after the last attempt (timeouts count), kept, and replayed with the same id', async () => {
    let healthy = false
    const r = await receiver(() => (healthy ? 200 : 'hang'))
    webhooks.targets.set('tokD', { url: r.url })
    const id = emitMessage('tokD', 'd@s.whatsapp.net')
    const deadReport = new Promise<GatewayEvents['webhook-delivery']>((resolve) => {
      const off = bus.on('webhook-delivery', (x) => {
        if (x.token === 'tokD' && x.alert?.includes('dead')) { off(); resolve(x) }
      })
    })
    const report = await deadReport
    assert.equal(report.attempts, 4)
    const [dead] = webhooks.outbox.list('tokD', { status: 'dead', limit: 5 })
    assert.ok(dead, 'kept as dead')
    assert.match(dead!.lastError ?? '', /timeout|ECONNABORTED/i)
    assert.match(await metricsText(), /wa_webhook_dead_total\{event="message-upsert"\} 1/)
    healthy = true
    const done = reportsFor((x) => x.token === 'tokD' && x.ok)
    const replayed = webhooks.outbox.replay('tokD', dead!.id)
    assert.ok(typeof replayed === 'object')
    webhooks.dispatcher.kick()
    await done
    assert.equal(webhooks.outbox.list('tokD', { limit: 1 })[0]?.status, 'delivered')
    assert.ok(r.hits.every((h) => h.id === dead!.id && h.parsed.key?.id === id), 'same delivery id on every attempt and the replay')
    webhooks.targets.remove('tokD')
    await r.close()
  })
})
