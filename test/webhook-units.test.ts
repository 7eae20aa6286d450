// Webhook building blocks without a network: signature, backoff, the outbox state machine, the
// body and lane of an event, and target resolution (SENDER_NUMBER, per-instance events).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Db } from '../src/store/db.js'
import { signatureHeaders, signBody, verifySignature } from '../src/events/webhooks/signing.js'
import { backoffDelay } from '../src/util/backoff.js'
import { WebhookOutbox, laneOf } from '../src/events/webhooks/outbox.js'
import { chatOfEvent, webhookBody } from '../src/events/sink-feed.js'
import { WebhookTargets } from '../src/events/webhooks/targets.js'
import { jidUser } from '../src/messaging/jid.js'
import { ConfigError, loadConfig } from '../src/config/index.js'

let root = ''
let db: Db
before(() => {
  root = mkdtempSync(join(tmpdir(), 'wagw-webhook-unit-'))
  db = openDatabase(root)
})
after(() => {
  db.close()
  rmSync(root, { recursive: true, force: true })
})

describe('signature', () => {
  test('is sha256=<hex HMAC-SHA256(secret, "timestamp.body")> and verifies only the exact body and time', () => {
    const body = '{"event":"message-upsert","token":"t1","text":"héllo"}'
    const nowMs = 1_700_000_000_000
    const { 'x-timestamp': ts, 'x-signature': sig } = signatureHeaders('s3cret-key', body, nowMs)
    assert.equal(ts, '1700000000')
    assert.equal(sig, signBody('s3cret-key', body, 1_700_000_000))
    assert.equal(sig, 'sha256=' + createHmac('sha256', 's3cret-key').update(Buffer.from(`${ts}.${body}`, 'utf8')).digest('hex'))
    const at = { nowMs }
    assert.ok(verifySignature('s3cret-key', body, sig, ts, at))
    assert.ok(verifySignature('s3cret-key', Buffer.from(body), sig, ts, at))
    assert.equal(verifySignature('other-key', body, sig, ts, at), false)
    assert.equal(verifySignature('s3cret-key', body + ' ', sig, ts, at), false)
    assert.equal(verifySignature('s3cret-key', body, sig, String(Number(ts) + 1), at), false, 'the timestamp is signed')
    assert.equal(verifySignature('s3cret-key', body, sig.slice(7), ts, at), false, 'prefix required')
    assert.equal(verifySignature('s3cret-key', body, undefined, ts, at), false)
    assert.equal(verifySignature('s3cret-key', body, sig, undefined, at), false, 'no timestamp, no trust')
    assert.equal(verifySignature('s3cret-key', body, 'sha256=abc', ts, at), false, 'wrong length is refused, not thrown')
    assert.equal(verifySignature('s3cret-key', body, sig, ts, { nowMs: nowMs + 301_000 }), false, 'older than 5 minutes is refused')
    assert.ok(verifySignature('s3cret-key', body, sig, ts, { nowMs: nowMs + 299_000 }))
    assert.equal(
      'sha256=' + createHmac('sha256', 's3cret-key').update(body).digest('hex') === sig, false,
      'the old body-only signature no longer verifies (a replayed old delivery is useless)',
    )
  })
})

describe('backoff', () => {
  const policy = { baseMs: 100, capMs: 5000 }
  test('doubles per attempt between ceiling/2 and ceiling, capped', () => {
    assert.equal(backoffDelay(1, policy.baseMs, policy.capMs, () => 0), 50)
    assert.equal(backoffDelay(1, policy.baseMs, policy.capMs, () => 1), 100)
    assert.equal(backoffDelay(2, policy.baseMs, policy.capMs, () => 1), 200)
    assert.equal(backoffDelay(4, policy.baseMs, policy.capMs, () => 0.5), 600)
    assert.equal(backoffDelay(10, policy.baseMs, policy.capMs, () => 1), 5000)
    assert.equal(backoffDelay(10, policy.baseMs, policy.capMs, () => 0), 2500)
    assert.equal(backoffDelay(1000, policy.baseMs, policy.capMs, () => 1), 5000, 'huge attempt numbers do not overflow')
  })
  test('jitter spreads retries of many lanes', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy.baseMs, policy.capMs)))
    assert.ok(seen.size > 10)
    for (const d of seen) assert.ok(d >= 800 && d <= 1600, `delay ${d} within [800, 1600]`)
  })
})

describe('outbox state machine', () => {
  let now = 1_000_000
  let outbox: WebhookOutbox
  before(() => {
    outbox = new WebhookOutbox(db, { baseMs: 100, capMs: 1000, maxAttempts: 3 }, () => now)
  })
  const item = (chat: string, n: number) => ({ token: 'tokA', url: 'http://127.0.0.1:1/hook', chat, event: 'message-upsert', body: `{"n":${n}}` })

  test('enqueue writes pending rows with unique ids; heads are the oldest row per lane', () => {
    const rows = outbox.enqueue([item('a@s.whatsapp.net', 1), item('a@s.whatsapp.net', 2), item('b@s.whatsapp.net', 3)])
    assert.equal(new Set(rows.map((r) => r.id)).size, 3)
    assert.ok(rows.every((r) => r.status === 'pending' && r.attempts === 0 && r.nextAt === now))
    const heads = outbox.heads()
    assert.deepEqual(heads.map((h) => h.body).sort(), ['{"n":1}', '{"n":3}'])
    assert.equal(outbox.head(laneOf(item('a@s.whatsapp.net', 0)))?.body, '{"n":1}')
    assert.equal(outbox.depth(), 3)
  })

  test('a failure keeps the row at the head of its lane with backoff; the last failure dead-letters it', () => {
    const lane = laneOf(item('a@s.whatsapp.net', 0))
    const first = outbox.head(lane)!
    const f1 = outbox.recordFailure(first.id, { error: 'ECONNREFUSED: connect' })
    assert.equal(f1.status, 'pending')
    assert.equal(f1.attempts, 1)
    assert.ok(f1.nextAt >= now + 50 && f1.nextAt <= now + 100, `next try in [50,100] ms, got ${f1.nextAt - now}`)
    assert.equal(outbox.head(lane)?.id, first.id, 'later events of the chat wait behind it')
    now += 1000
    const f2 = outbox.recordFailure(first.id, { status: 503, error: 'HTTP 503', answer: 'x'.repeat(2000) })
    assert.equal(f2.attempts, 2)
    assert.equal(f2.lastStatus, 503)
    assert.equal(f2.lastAnswer?.length, 500, 'answer snippet is capped')
    const f3 = outbox.recordFailure(first.id, { status: 500, error: 'HTTP 500' })
    assert.equal(f3.status, 'dead')
    assert.equal(f3.attempts, 3)
    assert.equal(outbox.head(lane)?.body, '{"n":2}', 'a dead row no longer blocks its lane')
    assert.equal(outbox.list('tokA', { status: 'dead', limit: 10 }).length, 1)
  })

  test('success delivers; replay re-queues only dead rows of the right token', () => {
    const lane = laneOf(item('a@s.whatsapp.net', 0))
    const second = outbox.head(lane)!
    const ok = outbox.recordSuccess(second.id, 204, 'fine')
    assert.equal(ok.status, 'delivered')
    assert.equal(ok.attempts, 1)
    assert.equal(ok.lastAnswer, 'fine')
    const dead = outbox.list('tokA', { status: 'dead', limit: 10 })[0]!
    assert.equal(outbox.replay('otherToken', dead.id), 'not-found')
    assert.equal(outbox.replay('tokA', second.id), 'not-dead')
    const again = outbox.replay('tokA', dead.id)
    assert.ok(typeof again === 'object' && again.status === 'pending' && again.attempts === 0)
    assert.equal(outbox.head(lane)?.id, dead.id, 'the replayed row keeps its place (and its delivery id)')
    outbox.recordFailure(dead.id, { error: 'x' })
    outbox.recordFailure(dead.id, { error: 'x' })
    outbox.recordFailure(dead.id, { error: 'x' })
    assert.equal(outbox.replayDead('tokA'), 1)
    assert.equal(outbox.replayDead('tokA'), 0)
  })

  test('prune removes old delivered rows only', () => {
    const before = outbox.list('tokA', { limit: 100 }).length
    now += 10_000
    assert.equal(outbox.prune(now - 5000), 1)
    const after = outbox.list('tokA', { limit: 100 })
    assert.equal(after.length, before - 1)
    assert.ok(after.every((d) => d.status !== 'delivered'))
    assert.ok(!('body' in after[0]!) && !('signature' in after[0]!), 'the list view carries no body or signature')
  })
})

describe('payload and targets', () => {
  test('message body is the seed\'s {token, key, message} plus event, chat, sender; binary becomes base64', () => {
    const key = { remoteJid: '62811@s.whatsapp.net', fromMe: false, id: 'ABC' }
    const sender = { jid: '62811@s.whatsapp.net', phone: '62811', lid: '777@lid', name: 'Ann' }
    const body = webhookBody('message-upsert', {
      token: 't1', key, type: 'notify', chat: { ...sender, isGroup: false }, sender,
      message: { key, message: { imageMessage: { mediaKey: new Uint8Array([1, 2, 3]) } }, messageTimestamp: { low: 5, high: 0, unsigned: true } as unknown as number },
    })
    const parsed = JSON.parse(body) as Record<string, unknown>
    assert.deepEqual(Object.keys(parsed), ['event', 'token', 'key', 'message', 'chat', 'sender'])
    assert.deepEqual(parsed.sender, sender)
    assert.equal(parsed.event, 'message-upsert')
    const msg = parsed.message as { message: { imageMessage: { mediaKey: unknown } }; messageTimestamp: unknown }
    assert.deepEqual(msg.message.imageMessage.mediaKey, { type: 'Buffer', data: 'AQID' })
    assert.equal(msg.messageTimestamp, 5)
    const other = JSON.parse(webhookBody('connection-state', { token: 't1', state: 'open' })) as Record<string, unknown>
    assert.deepEqual(other, { event: 'connection-state', token: 't1', state: 'open' })
    assert.equal(chatOfEvent({ token: 't1', key }), '62811@s.whatsapp.net')
    assert.equal(chatOfEvent({ token: 't1', id: 'g@g.us' }), 'g@g.us')
    assert.equal(chatOfEvent({ token: 't1', state: 'open' }), '')
  })

  test('global URL gets the instance number; per-instance webhook has its own events and secret', () => {
    assert.equal(jidUser('6281234:7@s.whatsapp.net'), '6281234')
    const targets = new WebhookTargets(db, { url: 'http://h/webhook/SENDER_NUMBER/', secret: 'gsecret', events: ['message-upsert'] })
    assert.deepEqual(targets.resolve('t1', 'message-upsert', undefined), [], 'unknown number: skipped, never sent to a literal SENDER_NUMBER')
    assert.deepEqual(targets.resolve('t1', 'message-upsert', '6281234'), [{ kind: 'global', url: 'http://h/webhook/6281234/', secret: 'gsecret' }])
    assert.deepEqual(targets.resolve('t1', 'message-update', '6281234'), [])
    const view = targets.set('t1', { url: 'http://mine/hook', events: ['message-update', 'message-update'], secret: 'my-secret-1' })
    assert.deepEqual(view.events, ['message-update'])
    assert.equal(view.hasSecret, true)
    assert.ok(!('secret' in view))
    assert.deepEqual(targets.resolve('t1', 'message-update', '6281234'), [{ kind: 'instance', url: 'http://mine/hook', secret: 'my-secret-1' }])
    targets.set('t1', { url: 'http://mine/hook2' })
    assert.deepEqual(targets.view('t1')?.events, ['message-upsert'], 'default events')
    assert.equal(targets.view('t1')?.hasSecret, false)
    assert.deepEqual(
      targets.resolve('t1', 'message-upsert', '6281234').find((t) => t.kind === 'instance'),
      { kind: 'instance', url: 'http://mine/hook2', secret: 'gsecret' },
      'an instance webhook without its own secret is signed with WEBHOOK_SECRET',
    )
    assert.equal(targets.remove('t1'), true)
    assert.equal(targets.remove('t1'), false)
  })
})

describe('config', () => {
  const base = (extra: Record<string, string>) => ({ AUTH: 'config-key-1234567', DATA_DIR: root, ...extra })
  test('webhook env: defaults, overrides, and unknown event names refused by name', () => {
    const d = loadConfig(base({}))
    assert.deepEqual(
      [d.webhookEvents, d.webhookRetryBaseMs, d.webhookRetryCapMs, d.webhookMaxAttempts, d.webhookTimeoutMs, d.webhookConcurrency, d.webhookKeepDays],
      [['message-upsert'], 1000, 300_000, 15, 10_000, 8, 7])
    const c = loadConfig(base({ WEBHOOK_EVENTS: 'message-upsert, message-update', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_MS: '20' }))
    assert.deepEqual(c.webhookEvents, ['message-upsert', 'message-update'])
    assert.equal(c.webhookMaxAttempts, 3)
    assert.equal(c.webhookRetryBaseMs, 20)
    assert.deepEqual(loadConfig(base({ WEBHOOK_EVENTS: '*' })).webhookEvents, ['*'])
    assert.throws(() => loadConfig(base({ WEBHOOK_EVENTS: 'message-upsert,nope' })), (e: unknown) => e instanceof ConfigError && /WEBHOOK_EVENTS has unknown events nope/.test(e.message))
    assert.throws(() => loadConfig(base({ WEBHOOK_EVENTS: 'webhook-delivery' })), ConfigError)
    assert.throws(() => loadConfig(base({ WEBHOOK_MAX_ATTEMPTS: '0' })), /WEBHOOK_MAX_ATTEMPTS/)
  })
})
