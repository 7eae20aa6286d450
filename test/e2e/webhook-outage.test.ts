// Webhook reliability end to end: the receiver is down (connection refused) while a simulated
// contact sends 50 messages, then comes up on the same port: every message arrives exactly once,
// in order. Then the gateway runs in a child process that is SIGKILLed with deliveries still
// queued; a fresh gateway on the same DATA_DIR delivers them.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startHarness, type Harness } from '../helpers/harness.js'
import { Simulator, type SimContact } from '../../src/simulator/index.js'
import type { GatewayEvents } from '../../src/events/bus.js'

const TOKEN = 'outage-e2e'
const SECRET = 'outage-secret-1'
const CHILD = fileURLToPath(new URL('../fixtures/webhook-gateway-child.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Delivery { deliveryId: string; messageId: string; chat: string }

/** A port nothing listens on (yet): connecting to it is refused. */
async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

/** A receiver on `port` that verifies signatures and dedupes by X-Delivery-Id like a real one should. */
async function startReceiver(port: number) {
  const accepted: Delivery[] = []
  const seen = new Set<string>()
  let duplicates = 0
  let badSignatures = 0
  const waiters: Array<() => void> = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const expected = 'sha256=' + createHmac('sha256', SECRET).update(`${String(req.headers['x-timestamp'])}.${raw}`).digest('hex')
      if (req.headers['x-signature'] !== expected) badSignatures++
      const deliveryId = String(req.headers['x-delivery-id'])
      if (seen.has(deliveryId)) duplicates++
      else {
        seen.add(deliveryId)
        const body = JSON.parse(raw) as { key: { id: string; remoteJid: string } }
        accepted.push({ deliveryId, messageId: body.key.id, chat: body.key.remoteJid })
      }
      res.writeHead(200).end('ok')
      waiters.splice(0).forEach((w) => w())
    })
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    accepted,
    stats: () => ({ duplicates, badSignatures }),
    /** Resolves once every id in `ids` was accepted. */
    async waitAll(ids: string[], ms = 60_000): Promise<void> {
      const deadline = Date.now() + ms
      const done = () => ids.every((id) => accepted.some((d) => d.messageId === id))
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`receiver: timed out with ${ids.filter((id) => accepted.some((d) => d.messageId === id)).length}/${ids.length} delivered`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()
        })
      }
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }),
  }
}

/** Resolves with the first bus event matching pred; rejects after ms with a clear message. */
function onBus<E extends keyof GatewayEvents>(h: Harness, event: E, pred: (p: GatewayEvents[E]) => boolean, ms = 20_000) {
  return new Promise<GatewayEvents[E]>((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for bus event ${event}`)) }, ms)
    const off = h.app.bus.on(event, (p) => {
      if (!pred(p)) return
      clearTimeout(timer)
      off()
      resolve(p)
    })
  })
}

/** Resolves once no delivery is pending: a duplicate could only be sent before its row is settled. */
async function drained(h: Harness, ms = 30_000): Promise<void> {
  const { outbox } = h.app.webhooks
  const deadline = Date.now() + ms
  while (outbox.depth() > 0) {
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${outbox.depth()} pending`)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()))
      const off = h.app.bus.on('webhook-delivery', done)
      function done() {
        clearTimeout(timer)
        off()
        resolve()
      }
      if (outbox.depth() === 0) done() // settled between the check and the subscription
    })
  }
}

describe('webhook deliveries survive a receiver outage and a SIGKILL', () => {
  let sim: Simulator
  let h: Harness
  let port = 0
  let dina: SimContact
  let phone = ''
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined
  let child: ChildProcess | undefined

  before(async () => {
    sim = await Simulator.start()
    port = await freePort()
    h = await startHarness({
      sim,
      env: {
        WEBHOOK: `http://127.0.0.1:${port}/hook/SENDER_NUMBER`, WEBHOOK_SECRET: SECRET,
        WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_CAP_MS: '400', WEBHOOK_MAX_ATTEMPTS: '10000', WEBHOOK_CONCURRENCY: '4',
      },
    })
    dina = await sim.createContact({ name: 'Dina' })
    ;({ phone } = await h.pair(TOKEN))
  })
  after(async () => {
    child?.kill('SIGKILL')
    await h?.close()
    await sim?.stop()
    await receiver?.close()
  })

  test('receiver down while 50 messages arrive, then up: all 50 delivered exactly once, in order', async () => {
    const N = 50
    const order: string[] = []
    let allIn: () => void = () => undefined
    const arrived = new Promise<void>((r) => (allIn = r))
    const off = h.app.bus.on('message-upsert', ({ key }) => {
      if (key.remoteJid === dina.jid && !key.fromMe && key.id) order.push(key.id)
      if (order.length === N) allIn()
    })
    const refused = onBus(h, 'webhook-delivery', (p) => p.token === TOKEN && !p.ok && /ECONNREFUSED/.test(p.alert ?? ''))
    const sent: string[] = []
    for (let i = 0; i < N; i++) sent.push((await dina.sendText(phone, `outage message ${i}`)).id)
    await arrived
    off()
    await refused
    assert.deepEqual([...order].sort(), [...sent].sort(), 'the gateway got all 50')
    const pending = h.app.webhooks.outbox.list(TOKEN, { status: 'pending', limit: 500 })
    assert.equal(pending.filter((d) => d.chat === dina.jid).length, N, `all ${N} queued while the receiver is down`)
    assert.ok(pending.some((d) => d.attempts > 0 && /ECONNREFUSED/.test(d.lastError ?? '')), 'attempts were made and refused')

    receiver = await startReceiver(port)
    await receiver.waitAll(order)
    await drained(h)
    const mine = receiver.accepted.filter((d) => d.chat === dina.jid)
    assert.equal(mine.length, N, 'exactly 50 deliveries')
    assert.deepEqual(receiver.stats(), { duplicates: 0, badSignatures: 0 })
    assert.deepEqual(mine.map((d) => d.messageId), order, 'in the order the messages arrived, per chat')
  })

  test('SIGKILL with undelivered events, start again on the same DATA_DIR: they are delivered', async () => {
    await receiver!.close()
    receiver = undefined
    await h.app.close() // the child takes over the same credentials and folders

    child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: ROOT,
      env: {
        ...process.env, ...h.env, LOG_LEVEL: 'silent',
        SIM_WS_URL: sim.wsUrl, SIM_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'), SIM_CA_PEM: sim.caPem,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const lines: Array<Record<string, unknown>> = []
    const lineWaiters: Array<() => void> = []
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        return // not one of our lines
      }
      lineWaiters.splice(0).forEach((w) => w())
    })
    const exited = new Promise<NodeJS.Signals | null>((r) => child!.once('exit', (_code, signal) => r(signal)))
    const waitLine = async (pred: () => boolean, what: string, ms = 60_000) => {
      const deadline = Date.now() + ms
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`child: timed out waiting for ${what}; lines: ${JSON.stringify(lines).slice(0, 500)}`)
        if (child!.exitCode !== null) throw new Error(`child exited early (${child!.exitCode}) waiting for ${what}`)
        await new Promise<void>((resolve) => {
          lineWaiters.push(resolve)
          void exited.then(() => resolve()) // an early exit is reported at once, not at the deadline
          setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()
        })
      }
    }
    await waitLine(() => lines.some((l) => l.type === 'open' && l.token === TOKEN), 'the child to log in')

    const N = 10
    const sent: string[] = []
    for (let i = 0; i < N; i++) sent.push((await dina.sendText(phone, `crash message ${i}`)).id)
    const queued = () => lines.filter((l) => l.type === 'upsert' && sent.includes(String(l.id)))
    await waitLine(() => queued().length === N, `${N} queued messages`)
    child.kill('SIGKILL')
    assert.equal(await exited, 'SIGKILL')
    child = undefined

    receiver = await startReceiver(port)
    await h.restartGateway() // a fresh gateway process-equivalent on the same DATA_DIR
    const order = queued().map((l) => String(l.id))
    await receiver.waitAll(order)
    await drained(h)
    const mine = receiver.accepted.filter((d) => order.includes(d.messageId))
    assert.deepEqual(mine.map((d) => d.messageId), order, 'all delivered once, in order')
    assert.deepEqual(receiver.stats(), { duplicates: 0, badSignatures: 0 })
  })
})
