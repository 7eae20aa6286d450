// The sandbox's own HTTP API, driven exactly as a user of `npm run sandbox` would: scan, contacts,
// a contact sending text and media, what a contact received, and a phone-side logout.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

let h: Harness
const TOKEN = 'sbx'

interface Upsert { token: string; key: { id: string; fromMe: boolean; remoteJid: string }; message: { message?: Record<string, { text?: string; caption?: string }> } }

before(async () => {
  h = await startHarness()
})
after(async () => {
  await h.close()
})

test('scan through POST /api/sandbox/scan opens the instance', async () => {
  const s = await h.socket({ tokens: [TOKEN] })
  const qr = waitForEvent(s, 'qrcode')
  const opened = waitForEvent<{ user: { id: string } }>(s, 'connection-open')
  await h.api('POST', '/api/whatsapp/create-instance', { token: TOKEN })
  await qr
  const scan = await h.api<{ phone: string }>('POST', '/api/sandbox/scan', { token: TOKEN, phone: '15550900001' })
  assert.equal(scan.status, 200, JSON.stringify(scan.body))
  assert.equal(scan.body.data?.phone, '15550900001')
  assert.match((await opened).user.id, /^15550900001[:@]/)
  s.close()
})

test('pairing code: create-instance with phone → POST /api/sandbox/pair → open', async () => {
  const token = 'sbx-code'
  const phone = '15550900042'
  const s = await h.socket({ tokens: [token] })
  const opened = waitForEvent<{ user: { id: string } }>(s, 'connection-open')
  const created = await h.api<{ pairingCode: string }>('POST', '/api/whatsapp/create-instance', { token, phone: `+${phone}` })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const code = created.body.data?.pairingCode ?? ''
  assert.match(code, /^[0-9A-Z]{8}$/)
  const missing = await h.api('POST', '/api/sandbox/pair', { token })
  assert.equal(missing.status, 400)
  assert.match(String(missing.body.message), /code: is required/)
  const notWaiting = await h.api('POST', '/api/sandbox/pair', { token: TOKEN, code })
  assert.equal(notWaiting.status, 409, JSON.stringify(notWaiting.body))
  // Typed the way WhatsApp shows it (ABCD-EFGH), lower case: the phone accepts it.
  const typed = `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase()
  const paired = await h.api<{ phone: string }>('POST', '/api/sandbox/pair', { token, code: typed })
  assert.equal(paired.status, 200, JSON.stringify(paired.body))
  assert.deepEqual(paired.body.data, { phone })
  assert.match((await opened).user.id, new RegExp(`^${phone}[:@]`))
  const inst = await h.api<{ state: string }>('GET', `/api/whatsapp/instances/${token}`)
  assert.equal(inst.body.data?.state, 'open')
  s.close()
})

test('contacts: add, list, and refuse a duplicate', async () => {
  const added = await h.api('POST', '/api/sandbox/contacts', { number: '15550900002', name: 'Dora' })
  assert.equal(added.status, 200, JSON.stringify(added.body))
  const dora = added.body.data as Record<string, unknown>
  assert.match(String(dora.lid), /^\d+@lid$/)
  assert.deepEqual({ ...dora, lid: 'x' }, {
    number: '15550900002', jid: '15550900002@s.whatsapp.net', lid: 'x', onWhatsApp: true, name: 'Dora', hidePhone: false, devices: 1,
  })
  const off = await h.api('POST', '/api/sandbox/contacts', { number: '15550900003', onWhatsApp: false })
  assert.equal(off.status, 200)
  const dup = await h.api('POST', '/api/sandbox/contacts', { number: '15550900002' })
  assert.equal(dup.status, 409)
  const list = await h.api<Array<{ number: string; jid: string; onWhatsApp: boolean }>>('GET', '/api/sandbox/contacts')
  const byNumber = Object.fromEntries((list.body.data ?? []).map((c) => [c.number, c]))
  assert.equal(byNumber['15550900002'].onWhatsApp, true)
  assert.equal(byNumber['15550900003'].onWhatsApp, false)
  const exists = await h.api<{ exists: boolean }>('POST', '/api/whatsapp/is-exists', { token: TOKEN, number: '15550900003' })
  assert.equal(exists.body.data?.exists, false)
})

test('a contact sends text and media to the instance; the gateway sees them decrypted', async () => {
  const s = await h.socket({ tokens: [TOKEN] })
  const incoming = (pred: (u: Upsert) => boolean) => waitForEvent<Upsert>(s, 'message-upsert', (u) => !u.key.fromMe && pred(u))
  const gotText = incoming((u) => u.message.message?.conversation !== undefined || u.message.message?.extendedTextMessage !== undefined)
  const sent = await h.api<{ id: string }>('POST', '/api/sandbox/contacts/15550900002/send', { token: TOKEN, text: 'hello from Dora' })
  assert.equal(sent.status, 200, JSON.stringify(sent.body))
  const text = await gotText
  assert.equal(text.key.id, sent.body.data?.id)
  const body = text.message.message ?? {}
  assert.equal(String(body.conversation ?? body.extendedTextMessage?.text), 'hello from Dora')

  const bytes = randomBytes(20_000)
  const gotMedia = incoming((u) => u.message.message?.documentMessage !== undefined)
  const media = await h.api<{ id: string }>('POST', '/api/sandbox/contacts/15550900002/send', {
    token: TOKEN, media: { base64: bytes.toString('base64'), mimetype: 'application/pdf', fileName: 'a.pdf', caption: 'the file' },
  })
  assert.equal(media.status, 200, JSON.stringify(media.body))
  const doc = await gotMedia
  const download = await fetch(`${h.baseUrl}/api/whatsapp/download-media`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('test-auth-key-123:').toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ token: TOKEN, message: doc.message }),
  })
  assert.equal(download.status, 200)
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(bytes), 'downloaded bytes equal what the contact sent')
  s.close()
})

test('GET /api/sandbox/contacts/:number/messages lists what the contact received, decrypted', async () => {
  const bytes = randomBytes(3000)
  const r = await h.api('POST', '/api/whatsapp/send-media', {
    token: TOKEN, number: '15550900002', type: 'pdf', base64: bytes.toString('base64'), fileName: 'r.pdf', caption: 'report',
  })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  await h.sim.contact('15550900002')?.waitForMessage((m) => m.type === 'document')
  const t = await h.api('POST', '/api/whatsapp/send-text', { token: TOKEN, number: '15550900002', text: 'plain words' })
  assert.equal(t.status, 200)
  await h.sim.contact('15550900002')?.waitForMessage((m) => m.text === 'plain words')
  const list = await h.api<Array<{ id: string; from: string; type: string; text?: string; caption?: string; media?: { mimetype: string; size: number; sha256: string } }>>(
    'GET', '/api/sandbox/contacts/15550900002/messages',
  )
  assert.equal(list.status, 200)
  const doc = list.body.data?.find((m) => m.type === 'document')
  assert.ok(doc, JSON.stringify(list.body.data))
  assert.equal(doc.caption, 'report')
  assert.equal(doc.media?.size, bytes.length)
  assert.equal(doc.media?.sha256, createHash('sha256').update(bytes).digest('hex'))
  assert.match(doc.from, /^15550900001@s\.whatsapp\.net$/)
  assert.equal(list.body.data?.at(-1)?.text, 'plain words', 'oldest first')
  const missing = await h.api('GET', '/api/sandbox/contacts/15559999999/messages')
  assert.equal(missing.status, 404)
})

test('POST /api/sandbox/logout: the phone removes the device and the gateway logs out', async () => {
  const s = await h.socket({ tokens: [TOKEN] })
  const out = waitForEvent(s, 'logged-out')
  const r = await h.api<{ phone: string }>('POST', '/api/sandbox/logout', { token: TOKEN })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.data?.phone, '15550900001')
  await out
  const again = await h.api('POST', '/api/sandbox/logout', { token: TOKEN })
  assert.equal(again.status, 409)
  s.close()
})
