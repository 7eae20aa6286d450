// The bulk queue with a fake clock and a fake sender on a real SQLite store: the random delay
// between sends, failures that do not stop a batch, retries with the same message id, resume
// after a crash without resending, logout, cancel and shutdown.
import { after, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus, type GatewayEvents } from '../src/events/bus.js'
import { createLogger } from '../src/logger.js'
import { SqliteBatchStore, type BatchItem, type BatchRecord } from '../src/messaging/batch-store.js'
import { BulkQueue, type Clock, type ItemSender } from '../src/messaging/bulk-queue.js'
import { openDatabase, type Db } from '../src/store/db.js'

class FakeClock implements Clock {
  t = 1_000_000
  slept: number[] = []
  /** When true, a positive sleep waits for its abort signal (a long delay in progress). */
  hold = false
  onHold?: () => void
  now = () => this.t
  sleep = async (ms: number, signal: AbortSignal) => {
    if (ms <= 0) return
    this.slept.push(ms)
    if (this.hold) {
      this.onHold?.()
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
      return
    }
    this.t += ms
  }
}

class FakeSender implements ItemSender {
  calls: Array<{ number: string; messageId: string }> = []
  failOn = new Set<string>()
  transientOnce = new Set<string>()
  open = true
  finishedIds: string[] = []
  private seq = 0
  async send(_b: BatchRecord, item: BatchItem, messageId: string): Promise<string> {
    this.calls.push({ number: item.number, messageId })
    if (this.transientOnce.delete(item.number)) throw Object.assign(new Error('Connection Closed'), { transient: true })
    if (this.failOn.has(item.number)) throw new Error(`${item.number} is not on WhatsApp`)
    return messageId
  }
  waitForOpen = async () => this.open
  newMessageId = () => `ID-${++this.seq}`
  isTransient = (err: unknown) => (err as { transient?: boolean }).transient === true
  finished = async (b: BatchRecord) => void this.finishedIds.push(b.id)
}

describe('BulkQueue', () => {
  const root = mkdtempSync(join(tmpdir(), 'wagw-queue-'))
  let db: Db
  let store: SqliteBatchStore
  let clock: FakeClock
  let sender: FakeSender
  let bus: EventBus
  let events: Array<[string, GatewayEvents['send-progress'] | GatewayEvents['send-complete']]>
  let randoms: number[]
  let n = 0

  const makeQueue = () => new BulkQueue({ store, sender, bus, logger: createLogger('silent'), clock, random: () => randoms.shift() ?? 0 })
  const batch = (over: Partial<BatchRecord> = {}): BatchRecord => ({
    id: `b${++n}`, token: 'tok', action: 'sendText', body: { token: 'tok', text: 'hi' }, media: {},
    minDelayMs: 0, maxDelayMs: 0, status: 'queued', total: 3, createdAt: n, nextAt: 0, ...over,
  })
  const progress = (id: string) => events.filter(([e, p]) => e === 'send-progress' && p.batchId === id).map(([, p]) => p as GatewayEvents['send-progress'])
  const complete = (id: string) => events.find(([e, p]) => e === 'send-complete' && p.batchId === id)?.[1] as GatewayEvents['send-complete'] | undefined

  beforeEach(() => {
    db = openDatabase(join(root, `q${++n}`))
    store = new SqliteBatchStore(db)
    clock = new FakeClock()
    sender = new FakeSender()
    bus = new EventBus()
    events = []
    randoms = []
    bus.on('send-progress', (p) => events.push(['send-progress', p]))
    bus.on('send-complete', (p) => events.push(['send-complete', p]))
  })

  after(() => rmSync(root, { recursive: true, force: true }))

  test('waits a random delay between MIN and MAX between sends (none before the first or after the last)', async () => {
    const q = makeQueue()
    randoms = [0, 0.5]
    const b = batch({ minDelayMs: 1000, maxDelayMs: 3000 })
    q.enqueue(b, ['1', '2', '3'])
    await q.idle()
    assert.deepEqual(clock.slept, [1000, 2000])
    assert.deepEqual(progress(b.id).map((p) => [p.done, p.total, p.sent, p.failed]), [[1, 3, 1, 0], [2, 3, 2, 0], [3, 3, 3, 0]])
    assert.deepEqual(complete(b.id), { token: 'tok', batchId: b.id, total: 3, sent: 3, failed: 0 })
    assert.deepEqual(sender.finishedIds, [b.id])
    assert.equal(store.get(b.id)?.status, 'done')
  })

  test('MIN=MAX=0 never sleeps', async () => {
    const q = makeQueue()
    q.enqueue(batch(), ['1', '2', '3'])
    await q.idle()
    assert.deepEqual(clock.slept, [])
    assert.equal(sender.calls.length, 3)
  })

  test('one failed number is recorded and the batch goes on', async () => {
    const q = makeQueue()
    sender.failOn.add('2')
    const b = batch()
    q.enqueue(b, ['1', '2', '3'])
    await q.idle()
    assert.deepEqual(progress(b.id).map((p) => p.lastResult.ok), [true, false, true])
    assert.match(String(progress(b.id)[1].lastResult.error), /not on WhatsApp/)
    assert.deepEqual(store.items(b.id).map((i) => i.status), ['sent', 'failed', 'sent'])
    assert.deepEqual([complete(b.id)?.sent, complete(b.id)?.failed], [2, 1])
  })

  test('a dropped connection is retried with the same message id', async () => {
    const q = makeQueue()
    sender.transientOnce.add('2')
    const b = batch()
    q.enqueue(b, ['1', '2', '3'])
    await q.idle()
    const second = sender.calls.filter((c) => c.number === '2')
    assert.equal(second.length, 2)
    assert.equal(second[0].messageId, second[1].messageId)
    assert.equal(complete(b.id)?.sent, 3)
  })

  test('resume after a crash: sent items are skipped, an interrupted one is resent with its id, the delay is kept', async () => {
    const b = batch({ status: 'running', minDelayMs: 500, maxDelayMs: 500 })
    store.create(b, ['1', '2', '3'])
    store.markSending(b.id, 0, 'ID-A')
    store.markResult(b.id, 0, 'sent')
    store.markSending(b.id, 1, 'ID-B') // the process died during this send
    store.setNextAt(b.id, clock.t + 4000)
    const q = makeQueue()
    assert.equal(q.resume(), 1)
    await q.idle()
    assert.deepEqual(sender.calls.map((c) => [c.number, c.messageId]), [['2', 'ID-B'], ['3', 'ID-1']])
    assert.deepEqual(clock.slept, [4000, 500])
    assert.deepEqual(progress(b.id).map((p) => p.done), [2, 3])
    assert.equal(store.get(b.id)?.status, 'done')
  })

  test('an instance that logged out fails the remaining items', async () => {
    const q = makeQueue()
    sender.open = false
    const b = batch()
    q.enqueue(b, ['1', '2', '3'])
    await q.idle()
    assert.equal(sender.calls.length, 0)
    assert.deepEqual(store.items(b.id).map((i) => i.error), ['instance logged out', 'instance logged out', 'instance logged out'])
    assert.deepEqual([complete(b.id)?.sent, complete(b.id)?.failed], [0, 3])
  })

  test('batches of one instance run one after another', async () => {
    const q = makeQueue()
    const a = batch()
    const b = batch()
    q.enqueue(a, ['a1', 'a2', 'a3'])
    q.enqueue(b, ['b1', 'b2', 'b3'])
    await q.idle()
    await q.idle()
    assert.deepEqual(sender.calls.map((c) => c.number), ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'])
  })

  test('cancel interrupts the delay; close leaves the rest pending for the next boot', async () => {
    const q = makeQueue()
    clock.hold = true
    const b = batch({ minDelayMs: 60_000, maxDelayMs: 60_000 })
    const held = new Promise<void>((resolve) => (clock.onHold = resolve))
    q.enqueue(b, ['1', '2', '3'])
    await held
    assert.equal(q.cancel(b.id), true)
    await q.idle()
    assert.equal(store.get(b.id)?.status, 'cancelled')
    assert.deepEqual(complete(b.id), { token: 'tok', batchId: b.id, total: 3, sent: 1, failed: 0 })
    assert.equal(q.cancel(b.id), false)

    const c = batch({ minDelayMs: 60_000, maxDelayMs: 60_000 })
    const held2 = new Promise<void>((resolve) => (clock.onHold = resolve))
    q.enqueue(c, ['1', '2', '3'])
    await held2
    await q.close()
    assert.equal(store.get(c.id)?.status, 'running')
    assert.deepEqual(store.items(c.id).map((i) => i.status), ['sent', 'pending', 'pending'])
    assert.equal(complete(c.id), undefined)
  })
})
