// The account's own phone (device 0) sends a message to a contact: WhatsApp hands the linked
// gateway a deviceSentMessage copy, and the gateway emits it as a fromMe message-upsert, delivers
// the webhook and stores it — driven through the sandbox API like a user of `npm run sandbox`.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'phone'

interface Person { jid: string; phone: string | null; lid: string | null; name: string | null }
interface Key { id: string; remoteJid: string; remoteJidAlt?: string; fromMe: boolean }
interface Upsert { key: Key; message: { message?: { conversation?: string } }; chat: Person & { isGroup: boolean }; sender: Person }
interface StoredMsg { key: Key; message: { conversation?: string } }

describe("the account's own phone sends", () => {
  let h: Harness
  let io: Socket
  let hook: WebhookReceiver
  let phone = ''
  let ann: SimContact
  let hid: SimContact

  const fromMe = (text: string) => waitForEvent<Upsert>(io, 'message-upsert', (u) => u.key.fromMe && u.message.message?.conversation === text)
  const phoneSend = (to: string, text: string) => h.api<{ id: string }>('POST', '/api/sandbox/phone/send', { token: TOKEN, to, text })

  before(async () => {
    hook = await startWebhookReceiver()
    h = await startHarness({ env: { WEBHOOK: `${hook.url}/hook` } })
    ann = await h.sim.createContact({ name: 'Ann' })
    hid = await h.sim.createContact({ name: 'Hid', hidePhone: true })
    io = await h.socket({ tokens: [TOKEN] })
    ;({ phone } = await h.pair(TOKEN))
  })
  after(async () => {
    await h?.close()
    await hook?.close()
  })

  test('to a contact: the contact gets it; the gateway emits a fromMe message-upsert, sends the webhook and stores it', async () => {
    const announced = fromMe('typed on the phone')
    const r = await phoneSend(ann.number, 'typed on the phone')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const id = r.body.data!.id
    const received = await ann.waitForMessage((m) => m.id === id)
    assert.equal(received.text, 'typed on the phone')

    const u = await announced
    assert.equal(u.key.id, id)
    assert.equal(u.key.remoteJid, ann.jid)
    assert.deepEqual(u.chat, { jid: ann.jid, phone: ann.number, lid: ann.lid, name: null, isGroup: false })
    assert.equal(u.sender.jid, `${phone}@s.whatsapp.net`)
    assert.equal(u.sender.phone, phone)

    const body = (await hook.wait((x) => (x.body.key as Key | undefined)?.id === id, 'the webhook of the phone message')).body
    assert.equal((body.key as Key).fromMe, true)
    const stored = await h.api<StoredMsg[]>('GET', `/api/whatsapp/store/${TOKEN}/chats/${ann.jid}/messages`)
    const m = stored.body.data?.find((x) => x.key.id === id)
    assert.ok(m, 'stored in the contact\'s chat')
    assert.equal(m.key.fromMe, true)
    assert.equal(m.message.conversation, 'typed on the phone')
  })

  test('to a hidden-number contact by LID: fromMe, filed under the LID', async () => {
    const announced = fromMe('to a LID')
    const r = await phoneSend(hid.lid, 'to a LID')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    await hid.waitForMessage((m) => m.text === 'to a LID')
    const u = await announced
    assert.equal(u.key.remoteJid, hid.lid)
    assert.deepEqual(u.chat, { jid: hid.lid, phone: null, lid: hid.lid, name: null, isGroup: false })
  })

  /** Polls the store API until `probe` accepts what it returns (app-state arrives in the background). */
  const eventually = async <T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => {
    for (const until = Date.now() + 15_000; ;) {
      const v = await get()
      if (ok(v)) return v
      assert.ok(Date.now() < until, `timed out waiting for ${what}: ${JSON.stringify(v)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  test('the phone names a contact through app-state: the store and later events carry that name', async () => {
    await h.sim.phoneChatModify(phone, { contact: { fullName: 'Annie (from the phone)' } }, ann.jid)
    const contacts = () => h.api<Record<string, { name?: string }>>('GET', `/api/whatsapp/store/${TOKEN}/contacts`).then((r) => r.body.data ?? {})
    await eventually(contacts, (c) => c[ann.jid]?.name === 'Annie (from the phone)', 'the contact name in the store')
    const got = waitForEvent<Upsert>(io, 'message-upsert', (u) => !u.key.fromMe && u.message.message?.conversation === 'named now')
    await ann.sendText(phone, 'named now')
    assert.equal((await got).sender.name, 'Annie (from the phone)')
  })

  test('the phone reads a chat through app-state: the store\'s unread count goes to 0', async () => {
    const unread = () => h.api<Array<{ id: string; unreadCount: number }>>('GET', `/api/whatsapp/store/${TOKEN}/chats`)
      .then((r) => r.body.data?.find((c) => c.id === ann.jid)?.unreadCount ?? -1)
    const got = waitForEvent<Upsert & { message: { messageTimestamp: number } }>(io, 'message-upsert', (u) => !u.key.fromMe && u.message.message?.conversation === 'unread one')
    await ann.sendText(phone, 'unread one')
    const last = await got
    await eventually(unread, (n) => n > 0, 'an unread message')
    await h.sim.phoneChatModify(phone, {
      markRead: true,
      lastMessages: [{ key: { remoteJid: ann.jid, id: last.key.id, fromMe: false }, messageTimestamp: Number(last.message.messageTimestamp) }],
    }, ann.jid)
    await eventually(unread, (n) => n === 0, 'unread 0 after the phone read the chat')
  })

  test('bad input is a 4xx, never a 500', async () => {
    assert.equal((await phoneSend('15559999999', 'nobody')).status, 404)
    assert.equal((await h.api('POST', '/api/sandbox/phone/send', { token: TOKEN, to: 'x', text: 'a' })).status, 400)
    assert.equal((await h.api('POST', '/api/sandbox/phone/send', { token: TOKEN, to: ann.number })).status, 400)
  })
})
