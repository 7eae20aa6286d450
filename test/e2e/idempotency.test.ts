// Idempotency-Key end to end, through the real Baileys client and the simulator: a repeat replays
// and the contact gets one message; another body → 422; a concurrent repeat → 409; a bulk repeat
// → the same batchId, each number once; replays survive a restart; a gateway SIGKILLed after the
// send but before the answer, retried after restart, sends the same message id and the contact
// shows it once; without the header every request sends.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { basicAuth, startHarness, type ApiResult, type Harness } from '../helpers/harness.js'
import { fixedIdsFrom } from '../../src/messaging/fixed-ids.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'idem-e2e'
const CHILD = fileURLToPath(new URL('../fixtures/idempotency-gateway-child.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Sent { key: { id: string; remoteJid: string } }
interface Batch { batchId: string; status: string; items: Array<{ number: string; status: string }> }

const newKey = (label: string) => `${label}-${randomUUID()}`
const replayed = (r: ApiResult) => r.headers.get('idempotent-replayed')

/** Polls a condition (for states no event announces); fails with `what` after ms. */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise<void>((r) => setTimeout(r, 25))
  }
}

describe('Idempotency-Key through Baileys and the simulator', () => {
  let h: Harness
  let ann: SimContact
  let bea: SimContact
  let cal: SimContact
  let media: Server
  let mediaBase = ''
  let holdMedia: Promise<void> | undefined
  let mediaHits = 0
  const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(2000)])

  const post = (path: string, body: Record<string, unknown>, key?: string) =>
    h.api<unknown>('POST', `/api/whatsapp/${path}`, { token: TOKEN, ...body }, key ? { 'Idempotency-Key': key } : {})
  const texts = (c: SimContact, text: string) => c.received().filter((m) => m.text === text)
  /** One socket sends in order and a device handles its inbox in order: once this marker is in,
   *  anything the gateway sent before it has arrived too. */
  const settle = async (c: SimContact) => {
    const marker = `marker ${randomUUID()}`
    const r = await post('send-text', { number: c.number, text: marker })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    await c.waitForMessage((m) => m.text === marker)
  }
  const openAgain = () =>
    new Promise<void>((resolve) => {
      if (h.app.sessions.get(TOKEN)?.state === 'open') return resolve()
      const off = h.app.bus.on('connection-open', (e) => {
        if (e.token !== TOKEN) return
        off()
        resolve()
      })
    })

  before(async () => {
    media = createServer((_req, res) => {
      mediaHits++
      void (holdMedia ?? Promise.resolve()).then(() => {
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': PDF.length }).end(PDF)
      })
    })
    await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve))
    mediaBase = `http://127.0.0.1:${(media.address() as AddressInfo).port}`
    h = await startHarness() // MIN=MAX=0
    ;[ann, bea, cal] = await Promise.all(['Ann', 'Bea', 'Cal'].map((name) => h.sim.createContact({ name })))
    await h.pair(TOKEN)
  })

  after(async () => {
    await h?.close()
    media?.close()
  })

  const firstKey = newKey('first')
  const firstBody = () => ({ number: ann.number, text: 'only once please' })
  let firstAnswer: ApiResult | undefined

  test('a repeat with the same key answers the stored body with Idempotent-Replayed: true; the contact gets one message', async () => {
    const first = await post('send-text', firstBody(), firstKey)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(replayed(first), null)
    const again = await post('send-text', firstBody(), firstKey)
    assert.equal(again.status, 200)
    assert.equal(replayed(again), 'true')
    assert.deepEqual(again.body, first.body)
    await settle(ann)
    const got = texts(ann, 'only once please')
    assert.equal(got.length, 1)
    assert.equal(got[0].id, (first.body.data as Sent).key.id)
    firstAnswer = first
  })

  test('keys belong to the API key that used them: a scoped key reusing the key string runs its own request', async () => {
    const created = await h.api<{ key: string }>('POST', '/api/keys', { name: 'tenant', tokens: [TOKEN] })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const tenant = created.body.data!.key
    const asTenant = (text: string) => h.api<Sent>('POST', '/api/whatsapp/send-text', { token: TOKEN, number: ann.number, text },
      { authorization: basicAuth(tenant), 'Idempotency-Key': firstKey })
    const own = await asTenant('the tenant says hi')
    assert.equal(own.status, 200, 'no 422: the admin\'s use of this key string is not the tenant\'s')
    assert.equal(replayed(own), null)
    const again = await asTenant('the tenant says hi')
    assert.equal(replayed(again), 'true')
    await settle(ann)
    assert.equal(texts(ann, 'the tenant says hi').length, 1)
  })

  test('the same key with another body → 422 saying so, and nothing is sent', async () => {
    const r = await post('send-text', { number: ann.number, text: 'a different text' }, firstKey)
    assert.equal(r.status, 422)
    assert.match(String(r.body.message), /Idempotency-Key: this key was already used for a different request/)
    await settle(ann)
    assert.equal(texts(ann, 'a different text').length, 0)
  })

  test('a concurrent repeat while the first still runs → 409 with Retry-After; one message', async () => {
    let release!: () => void
    holdMedia = new Promise<void>((r) => (release = r))
    const key = newKey('concurrent')
    const body = { number: bea.number, type: 'pdf', url: `${mediaBase}/held.pdf`, fileName: 'held' }
    const hitsBefore = mediaHits
    const first = post('send-media', body, key)
    await until(() => mediaHits > hitsBefore, 'the first request to fetch its media') // it is running now
    const second = await post('send-media', body, key)
    assert.equal(second.status, 409)
    assert.equal(second.headers.get('retry-after'), '1')
    release()
    holdMedia = undefined
    const done = await first
    assert.equal(done.status, 200, JSON.stringify(done.body))
    assert.equal(mediaHits, hitsBefore + 1, 'the repeat never ran')
    const third = await post('send-media', body, key)
    assert.equal(replayed(third), 'true')
    await settle(bea)
    assert.equal(bea.received().filter((m) => m.media?.fileName === 'held.pdf').length, 1)
  })

  test('a bulk repeat answers the same batchId and each number gets the text once, even after a run cut before its answer', async () => {
    const key = newKey('bulk')
    const body = { number: [bea.number, cal.number], text: 'bulk once' }
    const first = await post('send-text', body, key)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const { batchId } = first.body.data as { batchId: string }
    const again = await post('send-text', body, key)
    assert.equal(replayed(again), 'true')
    assert.equal((again.body.data as { batchId: string }).batchId, batchId)
    const batch = async () => (await h.api<Batch>('GET', `/api/whatsapp/batches/${batchId}`)).body.data as Batch
    await until(async () => (await batch()).status === 'done', 'the batch to finish')

    // As if the process had died after queueing the batch but before recording the answer.
    h.app.db.prepare(`UPDATE idempotency_keys SET state = 'running', owner = 'a-crashed-process', status = NULL, body = NULL WHERE key = ?`).run(key)
    const retried = await post('send-text', body, key)
    assert.equal(retried.status, 200, JSON.stringify(retried.body))
    assert.equal(replayed(retried), null, 'it ran again…')
    assert.deepEqual(retried.body.data, { batchId, total: 2 }, '…and found the batch it had queued')
    assert.equal((await batch()).status, 'done')
    for (const c of [bea, cal]) {
      await settle(c)
      assert.equal(texts(c, 'bulk once').length, 1, `${c.name} got it once`)
    }
  })

  test('multipart: the same fields and file replay (new boundary and all); another file under the key → 422', async () => {
    const key = newKey('upload')
    const upload = (bytes: Buffer) => {
      const form = new FormData()
      form.set('token', TOKEN)
      form.set('number', cal.number)
      form.set('type', 'pdf')
      form.set('caption', 'uploaded once')
      form.set('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'up.pdf')
      return fetch(`${h.baseUrl}/api/whatsapp/send-media`, { method: 'POST', headers: { authorization: basicAuth(), 'Idempotency-Key': key }, body: form })
    }
    const first = await upload(PDF)
    assert.equal(first.status, 200, await first.clone().text())
    const again = await upload(PDF)
    assert.equal(again.headers.get('idempotent-replayed'), 'true')
    assert.deepEqual(await again.json(), await first.json())
    const other = await upload(Buffer.concat([PDF, Buffer.from('x')]))
    assert.equal(other.status, 422)
    await settle(cal)
    assert.equal(cal.received().filter((m) => m.caption === 'uploaded once').length, 1)
  })

  test('without the header, two identical sends are two messages', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await post('send-text', { number: cal.number, text: 'twice, no key' })).status, 200)
    await settle(cal)
    assert.equal(texts(cal, 'twice, no key').length, 2)
  })

  test('the simulated device, like WhatsApp, shows a message id it already has once (the send path resends it)', async () => {
    const fixed = fixedIdsFrom(randomUUID())
    const dropped: string[] = []
    const onDup = (d: { contact: string; id: string }) => { if (d.contact === ann.number) dropped.push(d.id) }
    h.sim.on('contact-duplicate', onDup)
    try {
      for (let i = 0; i < 2; i++) {
        const sent = (await h.app.messenger.execute('sendText', { token: TOKEN, number: ann.number, text: 'same id twice' }, { fixed })) as Sent
        assert.equal(sent.key.id, fixed.messageId)
      }
      await settle(ann)
      assert.deepEqual(dropped, [fixed.messageId])
      assert.equal(texts(ann, 'same id twice').length, 1)
    } finally {
      h.sim.off('contact-duplicate', onDup)
    }
  })

  test('after a gateway restart a repeat still replays the stored answer', async () => {
    assert.ok(firstAnswer, 'the first test ran')
    await h.restartGateway()
    const again = await post('send-text', firstBody(), firstKey)
    assert.equal(again.status, 200)
    assert.equal(replayed(again), 'true')
    assert.deepEqual(again.body, firstAnswer.body)
    await openAgain()
    await settle(ann)
    assert.equal(texts(ann, 'only once please').length, 1)
  })

  test('SIGKILL after the send but before the answer, retried after restart: the same message id, shown once', async () => {
    const dina = await h.sim.createContact({ name: 'Dina' })
    await openAgain()
    await h.app.close() // the child takes over the same credentials and folders
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: ROOT,
      env: {
        ...process.env, ...h.env, LOG_LEVEL: 'silent',
        SIM_WS_URL: h.sim.wsUrl, SIM_ROOT_KEY: Buffer.from(h.sim.rootPublicKey).toString('base64'), SIM_CA_PEM: h.sim.caPem,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)))
    try {
      const lines: Array<Record<string, unknown>> = []
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>)
      })
      const line = async (pred: (l: Record<string, unknown>) => boolean, what: string) => {
        await until(() => {
          if (child.exitCode !== null) throw new Error(`child exited early waiting for ${what}`)
          return lines.some(pred)
        }, `child: ${what}`, 60_000)
        return lines.find(pred)!
      }
      const { port } = await line((l) => l.type === 'ready', 'ready')
      await line((l) => l.type === 'open' && l.token === TOKEN, 'the instance to log in')

      const key = newKey('crash')
      const body = { token: TOKEN, number: dina.number, text: 'survives a crash once' }
      const cut = fetch(`http://127.0.0.1:${Number(port)}/api/whatsapp/send-text`, {
        method: 'POST', headers: { authorization: basicAuth(), 'content-type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(body),
      }).then((r) => r.status, () => 'no answer')
      await line((l) => l.type === 'completing' && l.key === key, 'the answer to be recorded')
      const firstCopy = await dina.waitForMessage((m) => m.text === 'survives a crash once')
      child.kill('SIGKILL')
      assert.equal(await exited, 'SIGKILL')
      assert.equal(await cut, 'no answer', 'the client never got an answer')

      await h.restartGateway()
      await openAgain()
      const dropped: string[] = []
      h.sim.on('contact-duplicate', (d) => { if (d.contact === dina.number) dropped.push(d.id) })
      const retried = await post('send-text', { number: dina.number, text: 'survives a crash once' }, key)
      assert.equal(retried.status, 200, JSON.stringify(retried.body))
      assert.equal(replayed(retried), null, 'nothing was stored, so it ran again')
      assert.equal((retried.body.data as Sent).key.id, firstCopy.id, 'with the message id fixed before the first run')
      await settle(dina)
      assert.deepEqual(dropped, [firstCopy.id], 'the resend reached the device, which dropped the repeated id')
      assert.equal(texts(dina, 'survives a crash once').length, 1)
      assert.equal(replayed(await post('send-text', { number: dina.number, text: 'survives a crash once' }, key)), 'true')
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })
})
