// The sending surface end to end: HTTP → real Baileys → simulator. Every assertion is on what a
// simulated contact decrypted (or on what WhatsApp answered), never on what our API echoes back.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deflateSync, crc32 } from 'node:zlib'
import type { Socket } from 'socket.io-client'
import { basicAuth, startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import type { ReceivedMessage, SimContact } from '../../src/simulator/index.js'

const TOKEN = 'msg-e2e'
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** A valid RGB PNG of random pixels (so Baileys can make a thumbnail and the bytes are unique). */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const raw = Buffer.concat(Array.from({ length: h }, () => Buffer.concat([Buffer.from([0]), randomBytes(w * 3)])))
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

const IMAGE = png(48, 40)
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000), Buffer.from('\n%%EOF\n')])
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x20, 0, 0, 0]), Buffer.from('WEBPVP8 '), randomBytes(24)])

interface Upsert { token: string; key: { id: string }; message: Record<string, unknown> & { key: { id: string }; message?: Record<string, unknown> } }
interface Sent { key: { id: string; remoteJid: string; fromMe: boolean }; message: Record<string, unknown>; status: string; messageTimestamp: string }

describe('messaging API against the simulator', () => {
  let h: Harness
  let io: Socket
  let ann: SimContact
  let bob: SimContact
  let ghost: SimContact
  let phone = ''
  let media: Server
  let mediaBase = ''

  const post = <T = unknown>(path: string, body: Record<string, unknown>) => h.api<T>('POST', `/api/whatsapp/${path}`, { token: TOKEN, ...body })
  const send = async (path: string, body: Record<string, unknown>): Promise<Sent> => {
    const r = await post<Sent>(path, body)
    assert.equal(r.status, 200, `${path} → ${r.status} ${JSON.stringify(r.body)}`)
    assert.equal(r.body.status, true)
    return r.body.data as Sent
  }
  const upserts: Upsert[] = []
  /** A message-upsert already seen or still to come (events can beat the call that causes them). */
  const upsert = (pred: (p: Upsert) => boolean): Promise<Upsert> => {
    const hit = upserts.find(pred)
    return hit ? Promise.resolve(hit) : waitForEvent<Upsert>(io, 'message-upsert', pred, 10_000)
  }
  /** What the contact decrypted for the message id our API returned. */
  const arrived = (c: SimContact, id: string): Promise<ReceivedMessage> => c.waitForMessage((m) => m.id === id, 10_000)

  before(async () => {
    media = createServer((req, res) => {
      const routes: Record<string, [string, Buffer]> = {
        '/pic.png': ['image/png', IMAGE],
        '/report.pdf': ['application/pdf', PDF],
        '/sticker.webp': ['image/webp', WEBP],
      }
      if (req.url === '/hop') return res.writeHead(302, { location: '/pic.png' }).end()
      const hit = routes[req.url ?? '']
      if (!hit) return res.writeHead(404).end()
      res.writeHead(200, { 'content-type': hit[0], 'content-length': hit[1].length }).end(hit[1])
    })
    await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve))
    mediaBase = `http://127.0.0.1:${(media.address() as AddressInfo).port}`
    h = await startHarness()
    ;[ann, bob, ghost] = await Promise.all([
      h.sim.createContact({ name: 'Ann' }), h.sim.createContact({ name: 'Bob' }), h.sim.createContact({ name: 'Ghost', onWhatsApp: false }),
    ])
    ;({ phone } = await h.pair(TOKEN))
    io = await h.socket({ tokens: [TOKEN] })
    io.on('message-upsert', (p: Upsert) => upserts.push(p))
  })

  after(async () => {
    await h?.close()
    media?.close()
  })

  test('send-text: the contact decrypts the text; data is the sent WAMessage in the seed shape', async () => {
    const sent = await send('send-text', { number: `+${ann.number}`, text: 'hello from the gateway' })
    assert.equal(sent.key.fromMe, true)
    assert.equal(sent.key.remoteJid, ann.jid)
    assert.equal(typeof sent.messageTimestamp, 'string')
    assert.equal(sent.status, 'PENDING')
    const m = await arrived(ann, sent.key.id)
    assert.equal(m.type, 'text')
    assert.equal(m.text, 'hello from the gateway')
    assert.equal(m.from, `${phone}@s.whatsapp.net`)
  })

  test('send-text with mentions and a quoted reply to a message the contact sent', async () => {
    const { id: incomingId } = await ann.sendText(phone, 'question from Ann')
    await upsert((p) => p.key.id === incomingId)
    const sent = await send('send-text', {
      number: ann.jid, text: `answer for @${bob.number}`, mentions: [bob.number],
      quoted: { id: incomingId, remoteJid: ann.jid, fromMe: false },
    })
    const m = await arrived(ann, sent.key.id)
    const ctx = m.message.extendedTextMessage?.contextInfo
    assert.equal(m.text, `answer for @${bob.number}`)
    assert.deepEqual(ctx?.mentionedJid, [bob.jid])
    assert.equal(ctx?.stanzaId, incomingId)
    assert.equal(ctx?.quotedMessage?.conversation, 'question from Ann', 'the quoted text comes from the store')
  })

  test('send-media image from a URL (through a redirect): caption and the exact bytes arrive', async () => {
    const sent = await send('send-media', { number: ann.number, type: 'image', url: `${mediaBase}/hop`, caption: 'a picture', fileName: null })
    const m = await arrived(ann, sent.key.id)
    assert.equal(m.type, 'image')
    assert.equal(m.caption, 'a picture')
    assert.equal(m.media?.mimetype, 'image/png')
    assert.equal(m.media?.sha256, sha(IMAGE))
  })

  test('send-media pdf from a URL and a document from base64: name, mimetype and bytes', async () => {
    const fromUrl = await send('send-media', { number: ann.number, type: 'pdf', url: `${mediaBase}/report.pdf`, fileName: 'Q3 report', caption: 'the report' })
    const a = await arrived(ann, fromUrl.key.id)
    assert.equal(a.type, 'document')
    assert.equal(a.media?.fileName, 'Q3 report.pdf')
    assert.equal(a.media?.mimetype, 'application/pdf')
    assert.equal(a.media?.sha256, sha(PDF))

    const csv = Buffer.from('id,name\n1,Ann\n2,Bob\n')
    const fromB64 = await send('send-media', { number: ann.number, mimetype: 'text/csv', base64: csv.toString('base64'), fileName: 'people.csv' })
    const b = await arrived(ann, fromB64.key.id)
    assert.equal(b.type, 'document')
    assert.equal(b.media?.mimetype, 'text/csv')
    assert.equal(b.media?.fileName, 'people.csv')
    assert.equal(b.media?.data.toString(), csv.toString())
  })

  test('send-media as a multipart upload (field "file")', async () => {
    const form = new FormData()
    form.set('token', TOKEN)
    form.set('number', ann.number)
    form.set('type', 'image')
    form.set('caption', 'uploaded')
    form.set('file', new Blob([new Uint8Array(IMAGE)], { type: 'image/png' }), 'up.png')
    const res = await fetch(`${h.baseUrl}/api/whatsapp/send-media`, { method: 'POST', headers: { authorization: basicAuth() }, body: form })
    const body = (await res.json()) as { status: boolean; data: Sent; message?: string }
    assert.equal(res.status, 200, JSON.stringify(body))
    const m = await arrived(ann, body.data.key.id)
    assert.equal(m.caption, 'uploaded')
    assert.equal(m.media?.sha256, sha(IMAGE))
  })

  test('send-media with no type: an upload is told by its content type and name, base64 by its data: URL or bytes', async () => {
    // The README's `curl -F file=@report.pdf` with no type: curl sends the part as application/pdf.
    const form = new FormData()
    form.set('token', TOKEN)
    form.set('number', ann.number)
    form.set('file', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'report.pdf')
    const res = await fetch(`${h.baseUrl}/api/whatsapp/send-media`, { method: 'POST', headers: { authorization: basicAuth() }, body: form })
    const body = (await res.json()) as { status: boolean; data: Sent; message?: string }
    assert.equal(res.status, 200, JSON.stringify(body))
    const doc = await arrived(ann, body.data.key.id)
    assert.deepEqual([doc.type, doc.media?.mimetype, doc.media?.fileName], ['document', 'application/pdf', 'report.pdf'])

    const fromDataUrl = await send('send-media', { number: ann.number, base64: `data:image/png;base64,${IMAGE.toString('base64')}` })
    const img = await arrived(ann, fromDataUrl.key.id)
    assert.deepEqual([img.type, img.media?.mimetype], ['image', 'image/png'])
    // Plain base64 says nothing: the PNG signature keeps it image/png (it used to become image/jpeg).
    const plain = await send('send-media', { number: ann.number, type: 'image', base64: IMAGE.toString('base64') })
    assert.equal((await arrived(ann, plain.key.id)).media?.mimetype, 'image/png')
  })

  test('send-sticker: a webp arrives as a sticker with the same bytes', async () => {
    const sent = await send('send-sticker', { number: ann.number, url: `${mediaBase}/sticker.webp` })
    const m = await arrived(ann, sent.key.id)
    assert.equal(m.type, 'sticker')
    assert.equal(m.media?.sha256, sha(WEBP))
  })

  test('send-reaction, edit-message and delete-for-every-one target the right message', async () => {
    const target = await send('send-text', { number: ann.number, text: 'first draft' })
    await arrived(ann, target.key.id)

    const reacted = await send('send-reaction', { number: ann.number, text: '🦖', key: target.key })
    const r = await arrived(ann, reacted.key.id)
    assert.equal(r.type, 'reaction')
    assert.equal(r.message.reactionMessage?.text, '🦖')
    assert.equal(r.message.reactionMessage?.key?.id, target.key.id)

    const edited = await send('edit-message', { number: ann.number, text: 'final text', key: { id: target.key.id } })
    const e = await arrived(ann, edited.key.id)
    assert.equal(e.type, 'edit')
    assert.equal(e.text, 'final text')
    assert.equal(e.message.protocolMessage?.key?.id, target.key.id)

    const deleted = await send('delete-for-every-one', { number: ann.number, key: target.key })
    const d = await arrived(ann, deleted.key.id)
    assert.equal(d.type, 'revoke')
    assert.equal(d.message.protocolMessage?.key?.id, target.key.id)
  })

  test('send-location, send-contact (vcard) and send-poll', async () => {
    const loc = await send('send-location', { number: ann.number, latitude: -6.2, longitude: 106.816666, name: 'Monas', address: 'Jakarta' })
    const l = await arrived(ann, loc.key.id)
    assert.equal(l.type, 'location')
    assert.equal(l.message.locationMessage?.degreesLatitude, -6.2)
    assert.equal(l.message.locationMessage?.degreesLongitude, 106.816666)
    assert.equal(l.message.locationMessage?.name, 'Monas')

    const card = await send('send-contact', { number: ann.number, contact: { fullName: 'Budi; Santoso', phone: '+62 812-3456-7890', organization: 'ACME' } })
    const c = await arrived(ann, card.key.id)
    assert.equal(c.type, 'contact')
    const vcard = c.message.contactMessage?.vcard ?? ''
    assert.match(vcard, /^BEGIN:VCARD/)
    assert.match(vcard, /FN:Budi\\; Santoso/)
    assert.match(vcard, /waid=6281234567890:\+6281234567890/)

    const poll = await send('send-poll', { number: ann.number, name: 'Lunch?', options: ['Rice', 'Noodles', 'Soup'], selectableCount: 1 })
    const p = await arrived(ann, poll.key.id)
    assert.equal(p.type, 'poll')
    assert.equal(p.text, 'Lunch?')
    const created = p.message.pollCreationMessage ?? p.message.pollCreationMessageV2 ?? p.message.pollCreationMessageV3
    assert.deepEqual(created?.options?.map((o) => o.optionName), ['Rice', 'Noodles', 'Soup'])
  })

  describe('buttons, templates and lists in each style', () => {
    const params = (m: ReceivedMessage): Array<Record<string, unknown>> =>
      (m.message.interactiveMessage?.nativeFlowMessage?.buttons ?? []).map((b) => ({ name: b.name, ...(JSON.parse(b.buttonParamsJson ?? '{}') as Record<string, unknown>) }))

    test('send-button-message: native quick replies, legacy buttonsMessage, text menu', async () => {
      const base = { number: ann.number, button: [{ displayText: 'Yes', id: 'y' }, { displayText: 'No' }], message: 'Continue?', footer: 'ACME' }
      const n = await arrived(ann, (await send('send-button-message', base)).key.id)
      assert.equal(n.type, 'interactive')
      assert.equal(n.text, 'Continue?')
      assert.equal(n.message.interactiveMessage?.footer?.text, 'ACME')
      assert.deepEqual(params(n), [{ name: 'quick_reply', display_text: 'Yes', id: 'y' }, { name: 'quick_reply', display_text: 'No', id: '1' }])

      const l = await arrived(ann, (await send('send-button-message', { ...base, style: 'legacy' })).key.id)
      assert.equal(l.type, 'buttons')
      assert.equal(l.text, 'Continue?')
      assert.deepEqual(l.message.buttonsMessage?.buttons?.map((b) => [b.buttonId, b.buttonText?.displayText]), [['y', 'Yes'], ['1', 'No']])

      const t = await arrived(ann, (await send('send-button-message', { ...base, style: 'text' })).key.id)
      assert.equal(t.type, 'text')
      assert.equal(t.text, 'Continue?\n\n1. Yes\n2. No\n\nACME')
    })

    test('a native button message with an image header carries the uploaded image', async () => {
      const n = await arrived(ann, (await send('send-button-message', { number: ann.number, button: [{ displayText: 'Open' }], message: 'Look', image: `${mediaBase}/pic.png` })).key.id)
      const header = n.message.interactiveMessage?.header
      assert.equal(header?.hasMediaAttachment, true)
      assert.ok(header?.imageMessage?.directPath, 'the header image was uploaded to the media host')
    })

    test('send-template-message: cta_url / cta_call / quick_reply / cta_copy; legacy hydratedTemplate; text', async () => {
      const button = [
        { displayText: 'Visit', url: 'https://example.com/shop' },
        { displayText: 'Call us', phoneNumber: '+62 21 555 0100' },
        { displayText: 'Later', id: 'later' },
      ]
      const base = { number: ann.number, text: 'Our shop', footer: 'ACME', button }
      const n = await arrived(ann, (await send('send-template-message', { ...base, button: [...button, { displayText: 'Copy code', copyCode: 'SAVE10' }] })).key.id)
      assert.equal(n.type, 'interactive')
      assert.deepEqual(params(n).map((p) => p.name), ['cta_url', 'cta_call', 'quick_reply', 'cta_copy'])
      assert.equal(params(n)[0].url, 'https://example.com/shop')
      assert.equal(params(n)[1].phone_number, '+62 21 555 0100')
      assert.equal(params(n)[3].copy_code, 'SAVE10')

      const l = await arrived(ann, (await send('send-template-message', { ...base, style: 'legacy' })).key.id)
      assert.equal(l.type, 'template')
      const hb = l.message.templateMessage?.hydratedTemplate?.hydratedButtons ?? []
      assert.equal(hb[0]?.urlButton?.url, 'https://example.com/shop')
      assert.equal(hb[1]?.callButton?.phoneNumber, '+62 21 555 0100')
      assert.equal(hb[2]?.quickReplyButton?.id, 'later')

      const t = await arrived(ann, (await send('send-template-message', { ...base, style: 'text' })).key.id)
      assert.equal(t.text, 'Our shop\n\n1. Visit: https://example.com/shop\n2. Call us: +62 21 555 0100\n3. Later\n\nACME')
    })

    test('send-list-message: native single_select, legacy listMessage, text', async () => {
      const base = {
        number: ann.number, text: 'Pick one', buttonText: 'Menu', title: 'Food', footer: 'ACME',
        list: [
          { title: 'Mains', rows: [{ title: 'Rice', rowId: 'rice' }, { title: 'Noodles', description: 'fried' }] },
          { title: 'Drinks', rows: [{ title: 'Tea', rowId: 'tea' }] },
        ],
      }
      const n = await arrived(ann, (await send('send-list-message', base)).key.id)
      assert.equal(n.type, 'interactive')
      const [select] = params(n) as unknown as Array<{ name: string; title: string; sections: Array<{ title: string; rows: Array<{ id: string; title: string }> }> }>
      assert.equal(select.name, 'single_select')
      assert.equal(select.title, 'Menu')
      assert.deepEqual(select.sections.map((s) => [s.title, s.rows.map((r) => r.id)]), [['Mains', ['rice', '1']], ['Drinks', ['tea']]])

      const l = await arrived(ann, (await send('send-list-message', { ...base, style: 'legacy' })).key.id)
      assert.equal(l.type, 'list')
      assert.equal(l.message.listMessage?.buttonText, 'Menu')
      assert.deepEqual(l.message.listMessage?.sections?.map((s) => s.rows?.map((r) => r.rowId)), [['rice', '1'], ['tea']])

      const t = await arrived(ann, (await send('send-list-message', { ...base, style: 'text' })).key.id)
      assert.equal(t.text, '*Food*\nPick one\n\n_Mains_\n1. Rice\n2. Noodles - fried\n_Drinks_\n3. Tea\n\nACME')
    })

    test('a reply to a button arrives as message-upsert with the chosen id', async () => {
      const { id } = await ann.sendMessage(phone, { buttonsResponseMessage: { selectedButtonId: 'y', selectedDisplayText: 'Yes', type: 1 } })
      const reply = await upsert((p) => p.key.id === id)
      const chosen = reply.message.message?.buttonsResponseMessage as { selectedButtonId?: string } | undefined
      assert.equal(chosen?.selectedButtonId, 'y')
    })
  })

  test('is-exists: true with the jid for a contact, false for a number without WhatsApp', async () => {
    const yes = await post<{ exists: boolean; jid: string }>('is-exists', { number: ann.number })
    assert.deepEqual(yes.body, { status: true, data: { exists: true, jid: ann.jid } })
    const no = await post<{ exists: boolean; jid: string }>('is-exists', { number: ghost.number })
    assert.equal(no.body.data?.exists, false)
    const refused = await post('send-text', { number: ghost.number, text: 'hi' })
    assert.equal(refused.status, 400)
    assert.match(String(refused.body.message), /not on WhatsApp/)
  })

  test('get-profile-picture answers the URL string (seed shape)', async () => {
    const r = await post<string>('get-profile-picture', { number: ann.number, highrest: true })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(typeof r.body.data, 'string')
    assert.match(String(r.body.data), new RegExp(`^https://.*/pp/${encodeURIComponent(ann.jid)}`))
  })

  test('download-media returns the exact bytes a contact sent, by message and by key', async () => {
    const bytes = png(20, 20)
    const { id } = await bob.sendMedia(phone, { data: bytes, mimetype: 'image/png', caption: 'from bob' })
    const { message } = await upsert((p) => p.key.id === id)
    assert.ok(message.message?.imageMessage, 'the gateway saw an image message')

    const byMessage = await fetch(`${h.baseUrl}/api/whatsapp/download-media`, {
      method: 'POST', headers: { authorization: basicAuth(), 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN, message }),
    })
    assert.equal(byMessage.status, 200, await byMessage.clone().text())
    assert.equal(byMessage.headers.get('content-type'), 'image/png')
    assert.match(byMessage.headers.get('content-disposition') ?? '', /filename=".+\.png"/)
    assert.equal(sha(Buffer.from(await byMessage.arrayBuffer())), sha(bytes))

    const byKey = await fetch(`${h.baseUrl}/api/whatsapp/download-media`, {
      method: 'POST', headers: { authorization: basicAuth(), 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN, key: message.key }),
    })
    assert.equal(byKey.status, 200, await byKey.clone().text())
    assert.equal(sha(Buffer.from(await byKey.arrayBuffer())), sha(bytes))
  })

  test('read-messages sends a read receipt; send-presence is accepted', async () => {
    const { id } = await bob.sendText(phone, 'please read me')
    const r = await post<{ read: number }>('read-messages', { keys: [{ remoteJid: bob.jid, id, fromMe: false }] })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const receipt = await bob.waitForReceipt((x) => x.id === id && x.type === 'read', 10_000)
    assert.equal(receipt.id, id)
    for (const presence of ['typing', 'recording', 'paused']) {
      const p = await post('send-presence', { number: bob.number, presence })
      assert.equal(p.status, 200, JSON.stringify(p.body))
    }
  })
})
