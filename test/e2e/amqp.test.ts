// Events to RabbitMQ against a real, private rabbitmq-server: routing keys, message properties and
// the AMQP_EVENTS filter; then the broker stops while contacts keep writing (the gateway goes on
// handling them), comes back on the same port, and every event arrives, in order per chat.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'amqplib'
import { pino } from 'pino'
import { EventBus } from '../../src/events/bus.js'
import { createAmqp } from '../../src/events/amqp/index.js'
import { createLogger } from '../../src/logger.js'
import { openDatabase } from '../../src/store/db.js'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import { rabbitmqServerBinary, startBroker, startConsumer, until, type Broker } from '../helpers/rabbitmq.js'

const binary = rabbitmqServerBinary()
const skip = !binary && !process.env.CI && 'rabbitmq-server is not installed (apt-get install rabbitmq-server)'
const TOKEN = 'amqp-e2e'
const EXCHANGE = 'wa-test'

describe('events to RabbitMQ', { skip }, () => {
  let broker: Broker
  let firstStartMs = 0

  before(async () => {
    if (!binary) throw new Error('rabbitmq-server is not installed, and CI is set: install the Debian package rabbitmq-server')
    broker = await startBroker(binary)
    firstStartMs = broker.lastStartMs
  })
  after(async () => {
    await broker?.close()
  })

  test('AMQP_EVENTS filters; messages are persistent JSON with the outbox id as messageId', async (t) => {
    t.diagnostic(`broker start took ${firstStartMs} ms`)
    const dir = mkdtempSync(join(tmpdir(), 'wagw-amqp-unit-'))
    const db = openDatabase(dir)
    const bus = new EventBus()
    const consumer = await startConsumer(broker.url, 'wa-filter', 'filter-q', '#')
    const sink = createAmqp({
      db, bus, logger: createLogger('silent'),
      config: { amqpUrl: broker.url, amqpExchange: 'wa-filter', amqpEvents: ['message-upsert'], amqpRetryBaseMs: 50, amqpRetryCapMs: 500 },
    })
    try {
      sink.start()
      const key = { remoteJid: '62811@s.whatsapp.net', fromMe: false, id: 'M1' }
      bus.emit('connection-state', { token: 't1', state: 'open' })
      const ann = { jid: '62811@s.whatsapp.net', phone: '62811', lid: null, name: null }
      bus.emit('message-upsert', { token: 't1', key, message: { key, message: { conversation: 'hi' } }, type: 'notify', chat: { ...ann, isGroup: false }, sender: ann })
      await consumer.waitFor((r) => r.body.key?.id === 'M1', 'the message-upsert event')
      await until(() => sink.outbox.depth() === 0, 'the outbox to drain')
      assert.deepEqual(consumer.received.map((r) => r.routingKey), ['t1.message-upsert'], 'connection-state is filtered out')
      const [m] = consumer.received
      assert.equal(m.deliveryMode, 2, 'persistent')
      assert.equal(m.contentType, 'application/json')
      assert.deepEqual(m.body, { event: 'message-upsert', token: 't1', key, message: { key, message: { conversation: 'hi' } }, chat: { ...ann, isGroup: false }, sender: ann })
      assert.match(m.messageId ?? '', /^[0-9a-f-]{36}$/)
    } finally {
      await sink.stop()
      await consumer.close()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('events queued while the gateway could not publish are published by the next run, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wagw-amqp-restart-'))
    const bus = new EventBus()
    const config = { amqpUrl: broker.url, amqpExchange: 'wa-restart', amqpEvents: ['*'], amqpRetryBaseMs: 50, amqpRetryCapMs: 500 }
    const consumer = await startConsumer(broker.url, 'wa-restart', 'restart-q', 't2.*')
    const first = openDatabase(dir)
    const stopped = createAmqp({ db: first, bus, logger: createLogger('silent'), config })
    // Never started (as after a crash before listening): the rows only sit in gateway.db.
    for (let i = 0; i < 5; i++) bus.emit('group-update', { token: 't2', id: 'g1@g.us', action: `step-${i}` })
    assert.equal(stopped.outbox.depth(), 5)
    await stopped.stop()
    first.close()
    const db = openDatabase(dir)
    const next = createAmqp({ db, bus: new EventBus(), logger: createLogger('silent'), config })
    try {
      next.start()
      await until(() => consumer.received.length === 5 && next.outbox.depth() === 0, 'the 5 queued events')
      assert.deepEqual(consumer.received.map((r) => r.body.action), ['step-0', 'step-1', 'step-2', 'step-3', 'step-4'])
      assert.ok(consumer.received.every((r) => r.routingKey === 't2.group-update'))
    } finally {
      await next.stop()
      await consumer.close()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('an exchange of another type: clear warnings and retries with backoff, no crash, events kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wagw-amqp-wrong-'))
    const db = openDatabase(dir)
    const bus = new EventBus()
    const setup = await connect(broker.url)
    const ch = await setup.createChannel()
    await ch.assertExchange('wa-fanout', 'fanout', { durable: false })
    await setup.close()
    const lines: Array<{ msg: string; reason?: string }> = []
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; reason?: string }) })
    const sink = createAmqp({
      db, bus, logger, config: { amqpUrl: broker.url, amqpExchange: 'wa-fanout', amqpEvents: ['*'], amqpRetryBaseMs: 20, amqpRetryCapMs: 100 },
    })
    try {
      sink.start()
      bus.emit('connection-state', { token: 't3', state: 'open' })
      await until(() => lines.filter((l) => l.msg === 'AMQP broker unavailable').length >= 3, 'three failed connects')
      assert.match(lines.find((l) => l.msg === 'AMQP broker unavailable')?.reason ?? '', /PRECONDITION_FAILED/)
      assert.equal(sink.connected(), false)
      assert.equal(sink.outbox.depth(), 1, 'the event waits in the outbox')
    } finally {
      await sink.stop()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  describe('through Baileys and the simulator', () => {
    let h: Harness
    let consumer: Awaited<ReturnType<typeof startConsumer>>
    let phone = ''

    before(async () => {
      consumer = await startConsumer(broker.url, EXCHANGE, 'all-events', '#')
      h = await startHarness({ env: { AMQP_URL: broker.url, AMQP_EXCHANGE: EXCHANGE, AMQP_RETRY_BASE_MS: '100', AMQP_RETRY_CAP_MS: '1000' } })
      ;({ phone } = await h.pair(TOKEN))
    })
    after(async () => {
      await consumer?.close()
      await h?.close()
    })

    test('events arrive on the topic exchange with routing key <token>.<event>', async () => {
      const dina = await h.sim.createContact({ name: 'Dina' })
      const { id } = await dina.sendText(phone, 'hello rabbit')
      await consumer.waitFor((r) => r.body.key?.id === id, 'the incoming message')
      const got = consumer.received.find((r) => r.body.key?.id === id)!
      assert.equal(got.routingKey, `${TOKEN}.message-upsert`)
      assert.equal(got.body.token, TOKEN)
      assert.equal(got.body.key?.remoteJid, dina.jid)
      assert.ok(got.body.message, 'the webhook body carries the message')
      const keys = new Set(consumer.received.map((r) => r.routingKey))
      for (const event of ['qrcode', 'connection-state', 'connection-open']) assert.ok(keys.has(`${TOKEN}.${event}`), `${event} published: ${[...keys].join(', ')}`)
      const metrics = await (await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Basic ${Buffer.from('test-auth-key-123:').toString('base64')}` } })).text()
      assert.match(metrics, /wa_amqp_published_total\{event="message-upsert"\} [1-9]/)
      assert.match(metrics, /wa_amqp_connected 1/)
    })

    test('broker down during traffic: handling goes on; after it returns all events arrive, in order per chat', async (t) => {
      const [ann, bob] = await Promise.all([h.sim.createContact({ name: 'Ann' }), h.sim.createContact({ name: 'Bob' })])
      const io = await h.socket({ tokens: [TOKEN] })
      await until(() => h.app.amqp!.outbox.depth() === 0, 'earlier events to be published')
      const downAt = Date.now()
      await broker.stop()
      await until(() => !h.app.amqp!.connected(), 'the gateway to notice the broker is gone')
      const sent: Record<string, string[]> = { [ann.jid]: [], [bob.jid]: [] }
      for (let i = 0; i < 6; i++) {
        for (const c of [ann, bob]) {
          const { id } = await c.sendText(phone, `${c.jid} message ${i} while the broker is down`)
          sent[c.jid].push(id)
          // The gateway handled it (Socket.IO saw it) although nothing can reach the broker.
          await waitForEvent<{ key: { id: string } }>(io, 'message-upsert', (p) => p.key.id === id, 10_000)
        }
      }
      const reply = await h.api('POST', '/api/whatsapp/send-text', { token: TOKEN, number: ann.number, text: 'sent while the broker is down' })
      assert.equal(reply.status, 200, 'sending is not blocked by the broker')
      assert.ok(h.app.amqp!.outbox.depth() >= 12, `events wait in the outbox: ${h.app.amqp!.outbox.depth()}`)
      const metrics = await h.app.metrics.registry.metrics()
      assert.match(metrics, /wa_amqp_connected 0/)
      assert.match(metrics, /wa_amqp_queue_depth (1[2-9]|[2-9]\d|\d{3,})/)

      await broker.start()
      const outageMs = Date.now() - downAt
      t.diagnostic(`broker down for ${outageMs} ms (12 incoming messages and one send during it); restart took ${broker.lastStartMs} ms`)
      await consumer.reconnect()
      const all = [...sent[ann.jid], ...sent[bob.jid]]
      await until(() => all.every((id) => consumer.received.some((r) => r.body.key?.id === id && r.routingKey === `${TOKEN}.message-upsert`)), 'every event of the outage', 60_000)
      for (const [chat, ids] of Object.entries(sent)) {
        const arrived = consumer.received
          .filter((r) => r.routingKey === `${TOKEN}.message-upsert` && r.body.key?.remoteJid === chat && ids.includes(r.body.key?.id ?? ''))
          .map((r) => r.body.key!.id)
        assert.deepEqual(arrived, ids, `${chat}: each message once, in the order it was sent`)
      }
      await until(() => h.app.amqp!.outbox.depth() === 0, 'the outbox to drain')
    })
  })
})
