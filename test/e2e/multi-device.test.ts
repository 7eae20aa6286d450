// A contact with two devices (its phone and a linked WhatsApp Web): a send from the gateway reaches
// both, and a message typed on the second device arrives as from that contact — through the
// sandbox API and the real Baileys client.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const TOKEN = 'md'
const MAX = '15550300001'

interface Upsert { key: { id: string; remoteJid: string; fromMe: boolean }; message: { message?: { conversation?: string } }; sender: { jid: string; phone: string | null } }

describe('multi-device contacts', () => {
  let h: Harness
  let io: Socket

  before(async () => {
    h = await startHarness()
    const added = await h.api<{ devices: number }>('POST', '/api/sandbox/contacts', { number: MAX, name: 'Max', devices: 2 })
    assert.equal(added.status, 200, JSON.stringify(added.body))
    assert.equal(added.body.data?.devices, 2)
    io = await h.socket({ tokens: [TOKEN] })
    await h.pair(TOKEN)
  })
  after(async () => {
    await h?.close()
  })

  test('a send reaches each device of the contact', async () => {
    const r = await h.api<{ key: { id: string } }>('POST', '/api/whatsapp/send-text', { token: TOKEN, number: MAX, text: 'to all your devices' })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const id = r.body.data!.key.id
    const max = h.sim.contact(MAX)!
    await max.waitForMessage((m) => m.id === id && m.device === 0)
    await max.waitForMessage((m) => m.id === id && m.device === 1)
    const listed = (await h.api<Array<{ id: string; device: number; text: string }>>('GET', `/api/sandbox/contacts/${MAX}/messages`)).body.data ?? []
    assert.deepEqual(listed.filter((m) => m.id === id).map((m) => [m.device, m.text]).sort(), [[0, 'to all your devices'], [1, 'to all your devices']])
  })

  test('a message from the second device arrives as from the contact, in the same chat', async () => {
    const got = waitForEvent<Upsert>(io, 'message-upsert', (u) => !u.key.fromMe && u.message.message?.conversation === 'typed on the web')
    const sent = await h.api<{ id: string }>('POST', `/api/sandbox/contacts/${MAX}/send`, { token: TOKEN, text: 'typed on the web', device: 1 })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    const u = await got
    assert.equal(u.key.id, sent.body.data?.id)
    assert.equal(u.key.remoteJid, `${MAX}@s.whatsapp.net`)
    assert.deepEqual([u.sender.jid, u.sender.phone], [`${MAX}@s.whatsapp.net`, MAX])
    const chats = (await h.api<Array<{ id: string }>>('GET', `/api/whatsapp/store/${TOKEN}/chats`)).body.data ?? []
    assert.equal(chats.filter((c) => c.id.startsWith(MAX)).length, 1, 'one chat for the contact')
  })

  test('a device the contact does not have is a 400', async () => {
    const r = await h.api('POST', `/api/sandbox/contacts/${MAX}/send`, { token: TOKEN, text: 'x', device: 3 })
    assert.equal(r.status, 400)
    assert.match(String(r.body.message), /no device 3/)
  })
})
