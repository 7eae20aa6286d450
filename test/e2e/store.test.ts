// Store, Socket.IO events and webhooks end to end: a simulated contact sends text and media to a
// real Baileys client; we check the store through the seed's /store API, the Socket.IO events, and
// what a real local HTTP receiver got (signature verified here with node:crypto).
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, basicAuth, type Harness } from '../helpers/harness.js'
import { Simulator, type SimContact } from '../../src/simulator/index.js'
import { toWAMessage } from '../../src/store/baileys.js'

const TOKEN = 'store-e2e'
const SECRET = 'global-webhook-secret'

interface Hit { path: string; headers: Record<string, string | string[] | undefined>; raw: string; body: Record<string, unknown> }
interface Key { remoteJid: string; fromMe: boolean; id: string }
interface SeedMessage { key: Key; message: Record<string, Record<string, unknown> | string>; messageTimestamp: string; pushName: string | null; status?: string }
interface Delivery { id: string; event: string; status: string; attempts: number; lastStatus: number | null; lastAnswer: string | null }

/** A local webhook receiver; `answer` decides the HTTP status of each request. */
async function startReceiver(answer: () => number = () => 200) {
  const hits: Hit[] = []
  const waiters: Array<{ pred: (h: Hit) => boolean; resolve: (h: Hit) => void }> = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const hit: Hit = { path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> }
      const status = answer()
      res.writeHead(status).end(status < 300 ? 'thanks' : 'receiver is sad')
      if (status >= 300) return
      hits.push(hit)
      for (const w of waiters.filter((x) => x.pred(hit))) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(hit)
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    hits,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The first accepted hit matching pred (already received or future). */
    wait(pred: (h: Hit) => boolean, what: string, ms = 15_000): Promise<Hit> {
      const seen = hits.find(pred)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (h: Hit) => { clearTimeout(timer); resolve(h) } }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(new Error(`receiver: timed out waiting for ${what} (got ${hits.length} hits)`))
        }, ms)
        waiters.push(w)
      })
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }),
  }
}

/** What a receiver computes: HMAC over `X-Timestamp.body`; a timestamp older than 5 minutes would be refused. */
const hmac = (secret: string, raw: string, timestamp: unknown) => {
  assert.ok(Math.abs(Date.now() / 1000 - Number(timestamp)) < 300, `X-Timestamp ${String(timestamp)} is current`)
  return 'sha256=' + createHmac('sha256', secret).update(`${String(timestamp)}.${raw}`).digest('hex')
}
const keyIdOf = (h: Hit) => (h.body.key as Key | undefined)?.id

describe('store, events and webhooks against the simulator', () => {
  let h: Harness
  let io: Socket
  let phone = ''
  let dina: SimContact
  let globalHook: Awaited<ReturnType<typeof startReceiver>>
  const states: string[] = []
  const ids = { text: '', media: '' }
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(2048)])

  const ok = async <T>(method: string, path: string, body?: unknown): Promise<{ data: T; headers: Headers }> => {
    const r = await h.api<T>(method, path, body)
    assert.equal(r.status, 200, `${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
    assert.equal(r.body.status, true)
    return { data: r.body.data as T, headers: r.headers }
  }
  const fails = async (method: string, path: string, body: unknown, status: number, message: RegExp) => {
    const r = await h.api(method, path, body)
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`)
    assert.equal(r.body.status, false)
    assert.match(String(r.body.message), message)
  }

  let sim: Simulator
  before(async () => {
    globalHook = await startReceiver()
    // Receipts later than Baileys' 100 ms event-buffer flush arrive as their own messages.update
    // (sooner, Baileys folds them into the 'append' upsert of the sent message).
    sim = await Simulator.start()
    h = await startHarness({
      sim,
      env: {
        WEBHOOK: `${globalHook.url}/webhook/SENDER_NUMBER/`, WEBHOOK_SECRET: SECRET,
        WEBHOOK_RETRY_BASE_MS: '30', WEBHOOK_RETRY_CAP_MS: '100', WEBHOOK_MAX_ATTEMPTS: '3',
      },
    })
    dina = await h.sim.createContact({ name: 'Dina' })
    io = await h.socket() // every room: sees this instance's connection updates from the start
    io.on('connection-state', (p: { token: string; state: string }) => { if (p.token === TOKEN) states.push(p.state) })
    ;({ phone } = await h.pair(TOKEN))
  })
  after(async () => {
    await h?.close()
    await sim?.stop()
    await globalHook?.close()
  })

  test('connection updates reach Socket.IO', () => {
    assert.ok(states.includes('qr') && states.includes('open'), `connection-state events seen: ${states.join(', ')}`)
  })

  test('a contact sends text and media: Socket.IO message-upsert + message, the store has both, a signed webhook arrives', async () => {
    const upserts: Array<{ token: string; key: Key; message: { key: Key } }> = []
    const plain: unknown[] = []
    io.on('message-upsert', (p: (typeof upserts)[number]) => upserts.push(p))
    io.on('message', (p: { message: { key: Key } }) => plain.push(p))
    type Upsert = { key: Key; message: { message?: { conversation?: string; extendedTextMessage?: { text?: string }; imageMessage?: { caption?: string } } } }
    const gotText = waitForEvent<Upsert>(io, 'message-upsert', (p) => {
      const m = p.message.message
      return (m?.conversation ?? m?.extendedTextMessage?.text) === 'hello store'
    })
    ids.text = (await dina.sendText(phone, 'hello store')).id
    assert.equal((await gotText).key.id, ids.text)
    const gotMedia = waitForEvent<Upsert>(io, 'message-upsert', (p) => p.message.message?.imageMessage?.caption === 'a picture')
    ids.media = (await dina.sendMedia(phone, { data: png, mimetype: 'image/png', caption: 'a picture' })).id
    assert.equal((await gotMedia).key.id, ids.media)
    const textUpsert = upserts.find((u) => u.key.id === ids.text)!
    assert.equal(textUpsert.token, TOKEN)
    assert.equal(textUpsert.message.key.id, ids.text)
    assert.ok(plain.some((p) => (p as { message: { key: Key } }).message.key.id === ids.text), 'the seed\'s `message` event too')

    // The store, through the seed's POST /store/chats
    const chats = (await ok<Array<Record<string, unknown>>>('POST', '/api/whatsapp/store/chats', { token: TOKEN, type: 'chats' })).data
    const chat = chats.find((c) => c.id === dina.jid)
    assert.ok(chat, `chat ${dina.jid} listed: ${JSON.stringify(chats)}`)
    assert.equal(typeof chat.conversationTimestamp, 'number')
    assert.equal(typeof chat.unreadCount, 'number')
    assert.ok(Object.keys(chat).every((k) => ['id', 'conversationTimestamp', 'unreadCount', 'name'].includes(k)))

    const contacts = (await ok<Record<string, { id: string; name?: string }>>('POST', '/api/whatsapp/store/chats', { token: TOKEN, type: 'contacts' })).data
    assert.deepEqual(contacts[dina.jid], { id: dina.jid, name: 'Dina' })

    const page = (await ok<SeedMessage[]>('POST', '/api/whatsapp/store/chats', { token: TOKEN, type: 'messages', jid: dina.jid })).data
    assert.deepEqual(page.map((m) => m.key.id), [ids.text, ids.media], 'oldest first')
    const [text, media] = page as [SeedMessage, SeedMessage]
    assert.deepEqual(Object.keys(text).sort(), ['key', 'message', 'messageTimestamp', 'pushName', 'chat', 'sender'].sort().concat(text.status ? ['status'] : []).sort())
    assert.match(text.messageTimestamp, /^\d+$/)
    assert.equal(text.pushName, 'Dina')
    const body = text.message.conversation ?? (text.message.extendedTextMessage as { text?: string } | undefined)?.text
    assert.equal(body, 'hello store')
    const image = media.message.imageMessage as { caption: string; mimetype: string; mediaKey: string }
    assert.equal(image.caption, 'a picture')
    assert.equal(image.mimetype, 'image/png')
    assert.equal(Buffer.from(image.mediaKey, 'base64').length, 32, 'bytes as base64, like the seed')

    const all = (await ok<Record<string, SeedMessage[]>>('POST', '/api/whatsapp/store/chats', { token: TOKEN, type: 'messages' })).data
    assert.deepEqual(all[dina.jid]?.map((m) => m.key.id), [ids.text, ids.media])

    // GET variants and paging
    assert.deepEqual((await ok<unknown[]>('GET', `/api/whatsapp/store/${TOKEN}/chats`)).data, chats)
    assert.deepEqual((await ok<unknown>('GET', `/api/whatsapp/store/${TOKEN}/contacts`)).data, contacts)
    const first = await ok<SeedMessage[]>('GET', `/api/whatsapp/store/${TOKEN}/chats/${dina.jid}/messages?limit=1`)
    assert.deepEqual(first.data.map((m) => m.key.id), [ids.media])
    assert.equal(first.headers.get('x-next-before'), ids.media)
    const older = await ok<SeedMessage[]>('GET', `/api/whatsapp/store/${TOKEN}/chats/${dina.number}/messages?limit=1&before=${ids.media}`)
    assert.deepEqual(older.data.map((m) => m.key.id), [ids.text], 'a bare phone number names the chat too')
    assert.equal(older.headers.get('x-next-before'), null, 'last page')

    // Messaging (download-media, quotes) gets a real WAMessage back: bytes restored
    const stored = toWAMessage((await h.app.store!.findMessage(TOKEN, ids.media))!)
    assert.equal(stored.message?.imageMessage?.mediaKey?.length, 32)
    assert.ok(stored.message?.imageMessage?.mediaKey instanceof Uint8Array)

    // The global webhook: SENDER_NUMBER replaced, seed body + event, valid signature, headers
    const hit = await globalHook.wait((x) => keyIdOf(x) === ids.media, 'the media webhook')
    const hitText = await globalHook.wait((x) => keyIdOf(x) === ids.text, 'the text webhook')
    for (const x of [hit, hitText]) {
      assert.equal(x.path, `/webhook/${phone}/`)
      assert.equal(x.headers['x-signature'], hmac(SECRET, x.raw, x.headers['x-timestamp']), 'X-Signature verifies with node:crypto')
      assert.equal(x.headers['x-event'], 'message-upsert')
      assert.match(String(x.headers['x-delivery-id']), /^[0-9a-f-]{36}$/)
      assert.deepEqual(Object.keys(x.body), ['event', 'token', 'key', 'message', 'chat', 'sender'])
      assert.equal(x.body.token, TOKEN)
    }
    assert.notEqual(hit.headers['x-delivery-id'], hitText.headers['x-delivery-id'])
    const hookImage = (hit.body.message as { message: { imageMessage: { caption: string } } }).message.imageMessage
    assert.equal(hookImage.caption, 'a picture')
  })

  test('delivery receipts (message-update) reach Socket.IO and the store; webhook-delivery reports info', async () => {
    const sock = h.app.sessions.requireOpen(TOKEN)
    const info = waitForEvent<{ token: string; ok: boolean; info?: string }>(io, 'webhook-delivery', (p) => p.token === TOKEN && p.ok)
    let sentId = ''
    const delivered = waitForEvent<{ key: Key; update: { status?: number } }>(io, 'message-update', (p) => p.key.id === sentId && (p.update.status ?? 0) >= 3)
    const sent = await sock.sendMessage(dina.jid, { text: 'ping from the gateway' })
    sentId = sent!.key.id!
    await dina.waitForMessage((m) => m.id === sentId)
    await delivered
    assert.match(String((await info).info), /configured/)
    const page = (await ok<SeedMessage[]>('POST', '/api/whatsapp/store/chats', { token: TOKEN, type: 'messages', jid: dina.jid })).data
    const mine = page.find((m) => m.key.id === sentId)
    assert.ok(mine?.key.fromMe, 'our own message is stored too')
    assert.ok(['DELIVERY_ACK', 'READ', 'PLAYED'].includes(String(mine.status)), `status ${mine.status}`)
  })

  test('group delivery receipts (message-receipt) reach Socket.IO; the group is stored with its subject', async () => {
    const group = sim.createGroup(dina.number, 'Receipts team', [phone])
    const sock = h.app.sessions.requireOpen(TOKEN)
    let sentId = ''
    const receipt = waitForEvent<{ token: string; key: Key; receipt: { userJid?: string; receiptTimestamp?: number } }>(
      io, 'message-receipt', (p) => p.token === TOKEN && p.key.id === sentId)
    const sent = await sock.sendMessage(group.id, { text: 'hello group' })
    sentId = sent!.key.id!
    await dina.waitForMessage((m) => m.id === sentId)
    const r = await receipt
    assert.equal(r.key.remoteJid, group.id)
    assert.ok(r.receipt.userJid, 'the receipt names who received it')
    const chats = (await ok<Array<{ id: string; name?: string }>>('GET', `/api/whatsapp/store/${TOKEN}/chats`)).data
    assert.equal(chats.find((c) => c.id === group.id)?.name, 'Receipts team')
    const contacts = (await ok<Record<string, { id: string; name?: string }>>('GET', `/api/whatsapp/store/${TOKEN}/contacts`)).data
    assert.deepEqual(contacts[group.id], { id: group.id, name: 'Receipts team' }, 'groups are listed with their names, as in the seed')
  })

  test('per-instance webhook: set, read without secret, signed with its own secret; deliveries, dead letters and replay', async () => {
    let healthy = false
    const own = await startReceiver(() => (healthy ? 200 : 500))
    await fails('POST', `/api/whatsapp/instances/${TOKEN}/webhook`, { url: 'ftp://x/y' }, 400, /url: must be an http/)
    await fails('POST', `/api/whatsapp/instances/${TOKEN}/webhook`, { url: own.url, events: ['nope'] }, 400, /events: may only hold/)
    await fails('POST', `/api/whatsapp/instances/${TOKEN}/webhook`, { url: own.url, secret: 'short' }, 400, /secret: must be 8-256/)
    await fails('GET', `/api/whatsapp/instances/${TOKEN}/webhook`, undefined, 404, /no webhook of its own/)
    const set = (await ok<Record<string, unknown>>('POST', `/api/whatsapp/instances/${TOKEN}/webhook`, { url: `${own.url}/mine`, secret: 'instance-secret' })).data
    assert.deepEqual({ ...set, createdAt: 0, updatedAt: 0 }, { token: TOKEN, url: `${own.url}/mine`, events: ['message-upsert'], hasSecret: true, createdAt: 0, updatedAt: 0 })
    const read = (await ok<Record<string, unknown>>('GET', `/api/whatsapp/instances/${TOKEN}/webhook`)).data
    assert.equal(read.hasSecret, true)
    assert.ok(!JSON.stringify(read).includes('instance-secret'), 'the secret is never shown')

    const dead = waitForEvent<{ alert?: string; deliveryId: string }>(io, 'webhook-delivery', (p) => Boolean(p.alert?.includes('dead')), 15_000)
    const { id } = await dina.sendText(phone, 'to the instance webhook')
    const report = await dead
    const deadList = (await ok<Delivery[]>('GET', `/api/whatsapp/instances/${TOKEN}/webhook/deliveries?status=dead`)).data
    const d = deadList.find((x) => x.id === report.deliveryId)
    assert.ok(d, 'listed as dead')
    assert.equal(d.attempts, 3)
    assert.equal(d.lastStatus, 500)
    assert.equal(d.lastAnswer, 'receiver is sad')
    await fails('GET', `/api/whatsapp/instances/${TOKEN}/webhook/deliveries?status=bogus`, undefined, 400, /status: must be one of/)
    await fails('POST', `/api/whatsapp/instances/${TOKEN}/webhook/deliveries/not-a-uuid/replay`, undefined, 400, /delivery id/)
    await fails('POST', `/api/whatsapp/instances/${TOKEN}/webhook/deliveries/00000000-0000-4000-8000-000000000000/replay`, undefined, 404, /not found/)

    healthy = true
    const replayed = (await ok<{ replayed: number }>('POST', `/api/whatsapp/instances/${TOKEN}/webhook/deliveries/replay-dead`)).data
    assert.equal(replayed.replayed, 1)
    const hit = await own.wait((x) => keyIdOf(x) === id, 'the replayed delivery')
    assert.equal(hit.path, '/mine')
    assert.equal(hit.headers['x-signature'], hmac('instance-secret', hit.raw, hit.headers['x-timestamp']))
    assert.equal(hit.headers['x-delivery-id'], report.deliveryId, 'same delivery id after replay')
    await fails('POST', `/api/whatsapp/instances/${TOKEN}/webhook/deliveries/${report.deliveryId}/replay`, undefined, 409, /not dead/)

    const metrics = await (await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: basicAuth() } })).text()
    assert.match(metrics, /wa_webhook_dead_total\{event="message-upsert"\} [1-9]/)
    assert.match(metrics, /wa_webhook_delivered_total\{event="message-upsert"\} [1-9]/)
    assert.match(metrics, /wa_webhook_failed_attempts_total\{event="message-upsert"\} [1-9]/)
    assert.match(metrics, /wa_webhook_queue_depth \d+/)

    await ok('DELETE', `/api/whatsapp/instances/${TOKEN}/webhook`)
    await fails('DELETE', `/api/whatsapp/instances/${TOKEN}/webhook`, undefined, 404, /no webhook/)
    await own.close()
  })

  test('bad store queries answer a clear 4xx', async () => {
    const path = '/api/whatsapp/store/chats'
    await fails('POST', path, { token: TOKEN, type: 'groups' }, 400, /type: must be one of chats, contacts, messages/)
    await fails('POST', path, { token: TOKEN, type: 'messages', limit: 0 }, 400, /limit: must be a whole number from 1 to 500/)
    await fails('POST', path, { token: TOKEN, type: 'messages', limit: 501 }, 400, /limit/)
    await fails('POST', path, { token: TOKEN, type: 'messages', jid: 'not a jid' }, 400, /jid: must be a chat jid/)
    await fails('POST', path, { token: TOKEN, type: 'messages', jid: dina.jid, before: 'UNKNOWNID' }, 400, /before: .*neither a message id/)
    await fails('POST', path, { token: TOKEN, type: 'messages', before: '123' }, 400, /needs a jid/)
    await fails('POST', path, { token: TOKEN, type: 'chats', before: 'abc' }, 400, /unix timestamp/)
    await fails('POST', path, { token: 'nobody-here', type: 'chats' }, 404, /not found/)
    await fails('POST', path, { type: 'chats' }, 400, /token: is required/)
  })

  test('deleting the instance removes its store rows', async () => {
    const wiped = waitForEvent<{ token: string; state: string }>(io, 'connection-state', (p) => p.token === TOKEN && p.state === 'logged-out')
    await ok('POST', '/api/whatsapp/delete-credential', { token: TOKEN })
    await wiped
    assert.equal(await h.app.store!.findMessage(TOKEN, ids.text), undefined)
    assert.deepEqual(await h.app.store!.listChats(TOKEN, { limit: 10 }), [])
    await fails('POST', '/api/whatsapp/store/chats', { token: TOKEN, type: 'chats' }, 404, /not found and nothing is stored/)
  })
})
