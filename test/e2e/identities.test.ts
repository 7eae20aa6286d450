// LID identities end to end: simulated contacts with a visible number (PN- or LID-addressed) and
// with a hidden number (LID only) message a real Baileys client; we check the Socket.IO
// message-upsert, the webhook body and the store API, and that one person is one chat whatever
// order the LID and the number arrive in.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'ids'

interface Person { jid: string; phone: string | null; lid: string | null; name: string | null }
interface Key { id: string; remoteJid: string; remoteJidAlt?: string; participant?: string; participantAlt?: string; fromMe: boolean }
interface Upsert { token: string; key: Key; message: { key: Key; message?: Record<string, unknown> }; chat: Person & { isGroup: boolean }; sender: Person }
interface StoredMsg { key: Key; message: { conversation?: string; extendedTextMessage?: { text: string } }; chat: Person & { isGroup: boolean }; sender: Person }

const textOf = (m: { message?: Record<string, unknown> | StoredMsg['message'] } | undefined): string | undefined => {
  const body = m?.message as StoredMsg['message'] | undefined
  return body?.conversation ?? body?.extendedTextMessage?.text
}

describe('identities: phone numbers where WhatsApp gives them, the LID always', () => {
  let h: Harness
  let io: Socket
  let hook: WebhookReceiver
  let phone = ''
  const c: Record<'ann' | 'bea' | 'hid' | 'dee' | 'eve' | 'gil', SimContact> = {} as never

  /** The next incoming message-upsert with this text. */
  const incoming = (text: string) => waitForEvent<Upsert>(io, 'message-upsert', (u) => !u.key.fromMe && textOf(u.message) === text)
  const hookFor = (id: string) => hook.wait((x) => (x.body.key as Key | undefined)?.id === id, `the webhook of ${id}`)
  const ok = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await h.api<T>(method, path, body)
    assert.equal(r.status, 200, `${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
    return r.body.data as T
  }
  const chats = async () => (await ok<Array<{ id: string }>>('GET', `/api/whatsapp/store/${TOKEN}/chats`)).map((x) => x.id)
  const messagesOf = (jid: string) => ok<StoredMsg[]>('GET', `/api/whatsapp/store/${TOKEN}/chats/${encodeURIComponent(jid)}/messages`)
  /** Sends through the API; resolves once the contact decrypted it and the gateway announced (stored) it. */
  const sendText = async (number: string, text: string, to: SimContact) => {
    const got = to.waitForMessage((m) => m.text === text)
    const announced = waitForEvent<Upsert>(io, 'message-upsert', (u) => u.key.fromMe && textOf(u.message) === text)
    await ok('POST', '/api/whatsapp/send-text', { token: TOKEN, number, text })
    await Promise.all([got, announced])
  }

  before(async () => {
    hook = await startWebhookReceiver()
    h = await startHarness({ env: { WEBHOOK: `${hook.url}/hook`, WEBHOOK_RETRY_BASE_MS: '30', WEBHOOK_RETRY_CAP_MS: '100' } })
    c.ann = await h.sim.createContact({ name: 'Ann' })
    c.bea = await h.sim.createContact({ name: 'Bea', addressing: 'lid' })
    c.hid = await h.sim.createContact({ name: 'Hid', hidePhone: true })
    c.dee = await h.sim.createContact({ name: 'Dee', hidePhone: true })
    c.eve = await h.sim.createContact({ name: 'Eve', hidePhone: true })
    c.gil = await h.sim.createContact({ name: 'Gil', hidePhone: true })
    io = await h.socket({ tokens: [TOKEN] })
    ;({ phone } = await h.pair(TOKEN))
  })
  after(async () => {
    await h?.close()
    await hook?.close()
  })

  test('a visible number (PN-addressed): key.remoteJid is the phone jid; chat and sender carry phone, LID and name', async () => {
    const got = incoming('hi from Ann')
    const { id } = await c.ann.sendText(phone, 'hi from Ann')
    const u = await got
    assert.equal(u.key.id, id)
    assert.equal(u.key.remoteJid, c.ann.jid)
    assert.equal(u.message.key.remoteJid, c.ann.jid, 'message.key matches key')
    const ann = { jid: c.ann.jid, phone: c.ann.number, lid: c.ann.lid, name: 'Ann' }
    assert.deepEqual(u.sender, ann)
    assert.deepEqual(u.chat, { ...ann, isGroup: false })
    const body = (await hookFor(id)).body
    assert.deepEqual(body.sender, ann)
    assert.deepEqual(body.chat, { ...ann, isGroup: false })
  })

  test('a LID-addressed contact with sender_pn: key.remoteJid is still the phone jid, the LID is in remoteJidAlt', async () => {
    const got = incoming('hi from Bea')
    const { id } = await c.bea.sendText(phone, 'hi from Bea')
    const u = await got
    assert.equal(u.key.remoteJid, c.bea.jid)
    assert.equal(u.key.remoteJidAlt, c.bea.lid)
    assert.deepEqual(u.sender, { jid: c.bea.jid, phone: c.bea.number, lid: c.bea.lid, name: 'Bea' })
    const stored = (await messagesOf(c.bea.jid)).find((m) => m.key.id === id)
    assert.ok(stored, 'stored under the phone jid')
    assert.equal(stored.sender.phone, c.bea.number)
    assert.ok(!(await chats()).includes(c.bea.lid), 'no separate LID chat')
  })

  test('a hidden number: key.remoteJid is the LID, sender.phone null in the event, webhook and store; a reply to the LID arrives', async () => {
    const got = incoming('hidden hello')
    const { id } = await c.hid.sendText(phone, 'hidden hello')
    const u = await got
    assert.equal(u.key.remoteJid, c.hid.lid)
    assert.equal(u.key.remoteJidAlt, undefined)
    const hid = { jid: c.hid.lid, phone: null, lid: c.hid.lid, name: 'Hid' }
    assert.deepEqual(u.sender, hid)
    assert.deepEqual(u.chat, { ...hid, isGroup: false })
    const body = (await hookFor(id)).body as { sender: Person; chat: Person }
    assert.equal(body.sender.lid, c.hid.lid)
    assert.equal(body.sender.phone, null)

    await sendText(c.hid.lid, 'reply to lid', c.hid)
    const stored = await messagesOf(c.hid.lid)
    assert.deepEqual(stored.map((m) => textOf(m)), ['hidden hello', 'reply to lid'])
    assert.equal(stored[0]!.sender.phone, null)
    assert.equal(stored[1]!.key.fromMe, true)
    assert.equal(stored[1]!.sender.jid, `${phone}@s.whatsapp.net`, 'the account is the sender of its own messages')
    assert.ok(!(await chats()).includes(c.hid.jid))
  })

  test('sending to the number of a contact that wrote by LID lands in the same chat; its number then shows on its messages', async () => {
    await sendText(c.hid.number, 'by number', c.hid)
    const list = await chats()
    assert.ok(list.includes(c.hid.jid), 'filed under the phone jid now')
    assert.ok(!list.includes(c.hid.lid), 'the LID chat merged into it')
    const stored = await messagesOf(c.hid.jid)
    assert.deepEqual(stored.map((m) => textOf(m)), ['hidden hello', 'reply to lid', 'by number'])
    assert.equal(stored[0]!.chat.phone, c.hid.number, 'the number learned later shows on the older message too')
    assert.deepEqual((await messagesOf(c.hid.lid)).map((m) => m.key.id), stored.map((m) => m.key.id), 'the LID names the same chat')

    // the contact still hides its number on the wire; the gateway knows it now
    const got = incoming('still hidden')
    await c.hid.sendText(phone, 'still hidden')
    const u = await got
    assert.equal(u.key.remoteJid, c.hid.jid)
    assert.equal(u.key.remoteJidAlt, c.hid.lid)
    assert.deepEqual(u.sender, { jid: c.hid.jid, phone: c.hid.number, lid: c.hid.lid, name: 'Hid' })
  })

  test('number first, then the LID: one chat', async () => {
    await sendText(c.dee.number, 'hello Dee', c.dee)
    const got = incoming('Dee answers by LID')
    await c.dee.sendText(phone, 'Dee answers by LID')
    const u = await got
    assert.equal(u.sender.phone, c.dee.number)
    assert.equal(u.key.remoteJid, c.dee.jid)
    const list = await chats()
    assert.ok(list.includes(c.dee.jid) && !list.includes(c.dee.lid))
    assert.deepEqual((await messagesOf(c.dee.jid)).map((m) => textOf(m)), ['hello Dee', 'Dee answers by LID'])
  })

  test('a hidden number revealed later (sender_pn): the LID chat merges into the phone chat', async () => {
    const first = incoming('Eve, hidden')
    await c.eve.sendText(phone, 'Eve, hidden')
    assert.equal((await first).sender.phone, null)
    assert.ok((await chats()).includes(c.eve.lid))
    c.eve.revealPhone()
    const second = incoming('Eve, visible')
    await c.eve.sendText(phone, 'Eve, visible')
    const u = await second
    assert.equal(u.sender.phone, c.eve.number)
    assert.equal(u.key.remoteJid, c.eve.jid)
    const list = await chats()
    assert.ok(list.includes(c.eve.jid) && !list.includes(c.eve.lid))
    assert.deepEqual((await messagesOf(c.eve.jid)).map((m) => textOf(m)), ['Eve, hidden', 'Eve, visible'])
  })

  test('groups: the sender is the participant, phone jid first when known, LID alone when hidden', async () => {
    const group = h.sim.createGroup(c.ann.number, 'Identity club', [phone, c.gil.number])
    const fromGil = incoming('Gil in the group')
    await c.gil.sendGroupText(group.id, 'Gil in the group')
    const g = await fromGil
    assert.equal(g.key.remoteJid, group.id)
    assert.equal(g.key.participant, c.gil.lid)
    assert.deepEqual(g.chat, { jid: group.id, phone: null, lid: null, name: 'Identity club', isGroup: true })
    assert.deepEqual(g.sender, { jid: c.gil.lid, phone: null, lid: c.gil.lid, name: 'Gil' })

    const fromAnn = incoming('Ann in the group')
    await c.ann.sendGroupText(group.id, 'Ann in the group')
    const a = await fromAnn
    assert.equal(a.key.participant, c.ann.jid)
    assert.equal(a.key.participantAlt, c.ann.lid)
    assert.deepEqual(a.sender, { jid: c.ann.jid, phone: c.ann.number, lid: c.ann.lid, name: 'Ann' })
    const stored = (await messagesOf(group.id)).find((m) => m.key.id === a.key.id)
    assert.equal(stored?.sender.phone, c.ann.number)
    assert.equal(stored?.chat.isGroup, true)
  })
})
