// Expired media: the media host stops serving an old blob; download-media asks the account's
// phone to upload it again (Baileys' updateMediaMessage) and returns the bytes; with the phone
// switched off it answers 410 — through the HTTP API, the real Baileys client and the simulator.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'socket.io-client'
import { basicAuth, startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'expiry'

describe('expired media', () => {
  let h: Harness
  let io: Socket
  let ann: SimContact
  let phone = ''

  /** Ann sends an image; resolves with its key once the gateway announced (and stored) it. */
  const imageFromAnn = async (bytes: Buffer) => {
    const got = waitForEvent<{ key: { id: string; remoteJid: string; fromMe: boolean }; message: { message?: { imageMessage?: unknown } } }>(
      io, 'message-upsert', (u) => !u.key.fromMe && !!u.message.message?.imageMessage)
    await ann.sendMedia(phone, { data: bytes, mimetype: 'image/png' })
    return (await got).key
  }
  const download = (key: { id: string; remoteJid: string }) => fetch(`${h.baseUrl}/api/whatsapp/download-media`, {
    method: 'POST',
    headers: { authorization: basicAuth(), 'content-type': 'application/json' },
    body: JSON.stringify({ token: TOKEN, key: { remoteJid: key.remoteJid, id: key.id, fromMe: false } }),
  })

  before(async () => {
    h = await startHarness()
    ann = await h.sim.createContact({ name: 'Ann' })
    io = await h.socket({ tokens: [TOKEN] })
    ;({ phone } = await h.pair(TOKEN))
  })
  after(async () => {
    await h?.close()
  })

  test('the blob expired: the phone uploads it again and download-media returns the bytes', async () => {
    const bytes = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(4000)])
    const key = await imageFromAnn(bytes)
    assert.ok(h.sim.expireMedia() >= 1, 'a blob expired')
    const r = await download(key)
    assert.equal(r.status, 200, await r.clone().text())
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(bytes), 'the re-uploaded bytes are the original ones')
  })

  test('the phone is off: download-media answers 410', async () => {
    const key = await imageFromAnn(Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(1000)]))
    h.sim.setPhoneOnline(phone, false)
    h.sim.expireMedia()
    const r = await download(key)
    assert.equal(r.status, 410)
    const body = (await r.json()) as { status: boolean; message: string }
    assert.equal(body.status, false)
    assert.match(body.message, /expired/)
    h.sim.setPhoneOnline(phone, true)
  })
})
