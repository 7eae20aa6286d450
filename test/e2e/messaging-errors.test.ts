// Bad input over the whole messaging surface: every case must be a clear 4xx envelope, never a 5xx.
// Runs with MEDIA_ALLOW_PRIVATE=false (the real default) and a small MEDIA_MAX_BYTES.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { basicAuth, startHarness, type Harness } from '../helpers/harness.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'err-e2e'
const IDLE = 'err-idle' // created but never paired: state qr → 409
const MAX = 2000

describe('messaging bad input → clear 4xx', () => {
  let h: Harness
  let ann: SimContact
  let valid: Record<string, Record<string, unknown>>

  before(async () => {
    h = await startHarness({ env: { MEDIA_ALLOW_PRIVATE: 'false', MEDIA_MAX_BYTES: String(MAX) } })
    ann = await h.sim.createContact({ name: 'Ann' })
    await h.pair(TOKEN)
    assert.equal((await h.api('POST', '/api/whatsapp/create-instance', { token: IDLE })).status, 200)
    const key = { id: '3EB0AAAAAAAAAAAAAAAAAA', remoteJid: ann.jid, fromMe: true }
    valid = {
      'send-text': { text: 'hi' },
      'send-media': { type: 'image', base64: Buffer.from('not really a png').toString('base64') },
      'send-button-message': { button: [{ displayText: 'A' }], message: 'm' },
      'send-template-message': { button: [{ displayText: 'A', url: 'https://example.com' }], text: 't' },
      'send-list-message': { list: [{ title: 's', rows: [{ title: 'r' }] }], text: 't', buttonText: 'b' },
      'send-reaction': { text: '👍', key },
      'send-location': { latitude: 1, longitude: 2 },
      'send-contact': { contact: { fullName: 'X', phone: '6281234567890' } },
      'send-poll': { name: 'q', options: ['a', 'b'] },
      'send-sticker': { base64: Buffer.from('RIFF0000WEBP').toString('base64') },
      'edit-message': { text: 'e', key },
      'delete-for-every-one': { key },
    }
  })

  after(async () => { await h?.close() })

  const expect4xx = async (path: string, body: Record<string, unknown>, status: number, pattern?: RegExp) => {
    const r = await h.api('POST', `/api/whatsapp/${path}`, body)
    const where = `${path} ${JSON.stringify(body).slice(0, 160)} → ${r.status} ${JSON.stringify(r.body)}`
    assert.equal(r.status, status, where)
    assert.equal(r.body.status, false, where)
    assert.ok(typeof r.body.message === 'string' && r.body.message.length > 5, where)
    if (pattern) assert.match(String(r.body.message), pattern, where)
  }

  test('every send endpoint: missing token/number, bad number, empty array, unknown token (404), instance not open (409)', async () => {
    for (const [path, body] of Object.entries(valid)) {
      await expect4xx(path, { number: ann.number, ...body }, 400, /token: is required/)
      await expect4xx(path, { token: TOKEN, ...body }, 400, /number: is required/)
      await expect4xx(path, { token: TOKEN, number: 'abc', ...body }, 400, /number: "abc" is not a phone number/)
      await expect4xx(path, { token: TOKEN, number: '0812345678', ...body }, 400, /international format/)
      await expect4xx(path, { token: TOKEN, number: [], ...body }, 400, /empty array/)
      await expect4xx(path, { token: TOKEN, number: [ann.number, 'x@foo.bar'], ...body }, 400, /number: \[1\]/)
      await expect4xx(path, { token: 'no-such-instance', number: ann.number, ...body }, 404, /not found/)
      await expect4xx(path, { token: IDLE, number: ann.number, ...body }, 409, /not connected/)
      await expect4xx(path, { token: IDLE, number: [ann.number], ...body }, 409, /not connected/)
    }
  })

  test('wrong types and values per endpoint', async () => {
    const t = { token: TOKEN, number: ann.number }
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['send-text', { text: 42 }, /text: must be a string/],
      ['send-text', { text: '' }, /text: must be 1-/],
      ['send-text', { text: 'x', mentions: 'bob' }, /mentions/],
      ['send-text', { text: 'x', quoted: 'abc' }, /quoted/],
      ['send-text', { text: 'x', delay: { min: 5, max: 1 } }, /max must be >= min/],
      ['send-media', { url: 'https://example.com/a.exe', type: 'exe' }, /type: must be one of/],
      ['send-media', { base64: Buffer.from('neither a name nor known bytes').toString('base64') }, /type or mimetype is required/],
      ['send-media', { type: 'image' }, /one of url, base64 or a multipart "file" is required/],
      ['send-media', { type: 'image', url: 'ftp://example.com/a.png' }, /url: must be an http\(s\) URL/],
      ['send-media', { type: 'image', url: 'file:///etc/passwd' }, /url: must be an http\(s\) URL/],
      ['send-media', { type: 'image', url: 'javascript:alert(1)' }, /url: must be an http\(s\) URL/],
      ['send-media', { type: 'image', url: 'https://example.com/a.png', base64: 'AAAA' }, /not both/],
      ['send-media', { mimetype: 'not a mime' , base64: 'AAAA' }, /mimetype: must be a mime type/],
      ['send-media', { type: 'image', base64: '***' }, /base64/],
      ['send-media', { type: 'image', mimetype: 'application/pdf', base64: 'AAAA' }, /does not fit type image/],
      ['send-sticker', { base64: Buffer.from('x').toString('base64'), url: 'https://e.com/s.webp' }, /not both/],
      ['send-button-message', { button: [], message: 'm' }, /button: must be an array of 1-3/],
      ['send-button-message', { button: [{ displayText: 'a' }, { displayText: 'b' }, { displayText: 'c' }, { displayText: 'd' }], message: 'm' }, /1-3 buttons/],
      ['send-button-message', { button: [{ displayText: 'a' }] }, /message: is required/],
      ['send-button-message', { button: [{ displayText: 'a' }], message: 'm', style: 'fancy' }, /style: must be one of native, legacy, text/],
      ['send-template-message', { button: [{ displayText: 'a', url: 'ftp://x' }], text: 't' }, /url: must be an http/],
      ['send-template-message', { button: [{ displayText: 'a', copyCode: 'X' }], text: 't', style: 'legacy' }, /copy-code buttons need style native or text/],
      ['send-list-message', { list: [{ rows: [] }], text: 't', buttonText: 'b' }, /rows: must be an array of 1-10/],
      ['send-list-message', { list: [{ rows: Array.from({ length: 6 }, (_, i) => ({ title: `r${i}` })) }, { rows: Array.from({ length: 6 }, (_, i) => ({ title: `s${i}` })) }], text: 't', buttonText: 'b' }, /at most 10 rows/],
      ['send-list-message', { list: [{ rows: [{ title: 'r' }] }], text: 't' }, /buttonText: is required/],
      ['send-list-message', { list: [{ rows: [{ title: 'r' }] }], text: 't', buttonText: 'b', style: 'legacy', image: 'https://example.com/a.png' }, /legacy list messages cannot carry an image/],
      ['send-reaction', { text: '👍' }, /key: is required/],
      ['send-reaction', { text: '👍', key: { remoteJid: ann.jid } }, /key.id: is required/],
      ['send-location', { latitude: 91, longitude: 0 }, /latitude: must be a number between -90 and 90/],
      ['send-location', { latitude: 'north', longitude: 0 }, /latitude/],
      ['send-contact', {}, /contact \{fullName, phone\} or contacts/],
      ['send-contact', { contact: { fullName: 'X' } }, /contact.phone: is required/],
      ['send-poll', { name: 'q', options: ['a'] }, /options: must be an array of 2-12/],
      ['send-poll', { name: 'q', options: ['a', 'a'] }, /unique/],
      ['send-poll', { name: 'q', options: ['a', 'b'], selectableCount: 3 }, /cannot exceed/],
      ['edit-message', { text: 'x', key: 'abc' }, /key: must be a message key/],
    ]
    for (const [path, body, pattern] of cases) await expect4xx(path, { ...t, ...body }, 400, pattern)
  })

  test('media URLs that resolve to private, loopback or link-local addresses are refused (MEDIA_ALLOW_PRIVATE=false)', async () => {
    const urls = [
      'http://127.0.0.1:9/a.png', 'http://localhost:9/a.png', 'http://[::1]:9/a.png', 'http://[::ffff:10.0.0.1]/a.png',
      'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/a.png', 'http://192.168.1.1/a.png', 'http://100.64.0.1/a.png', 'http://[fd00::1]/a.png',
    ]
    for (const url of urls) {
      await expect4xx('send-media', { token: TOKEN, number: ann.number, type: 'image', url }, 400, /private addresses are refused/)
    }
    await expect4xx('send-button-message', { token: TOKEN, number: ann.number, button: [{ displayText: 'a' }], message: 'm', image: 'http://127.0.0.1:9/i.png' }, 400, /private/)
    // a bulk batch checks its media when it is created, not later
    await expect4xx('send-media', { token: TOKEN, number: [ann.number], type: 'image', url: 'http://127.0.0.1:9/a.png' }, 400, /private/)
  })

  test('too-large media: base64 and multipart upload → 413', async () => {
    const big = Buffer.alloc(MAX + 1, 7)
    await expect4xx('send-media', { token: TOKEN, number: ann.number, mimetype: 'application/octet-stream', base64: big.toString('base64') }, 413, /MEDIA_MAX_BYTES/)
    const form = new FormData()
    form.set('token', TOKEN)
    form.set('number', ann.number)
    form.set('mimetype', 'application/octet-stream')
    form.set('file', new Blob([new Uint8Array(big)]), 'big.bin')
    const res = await fetch(`${h.baseUrl}/api/whatsapp/send-media`, { method: 'POST', headers: { authorization: basicAuth() }, body: form })
    const body = (await res.json()) as { status: boolean; message: string }
    assert.equal(res.status, 413, JSON.stringify(body))
    assert.match(body.message, /MEDIA_MAX_BYTES/)
    const two = new FormData()
    two.set('token', TOKEN)
    two.set('number', ann.number)
    two.set('type', 'document')
    two.set('other', new Blob([new Uint8Array([1])]), 'x.bin')
    const wrongField = await fetch(`${h.baseUrl}/api/whatsapp/send-media`, { method: 'POST', headers: { authorization: basicAuth() }, body: two })
    assert.equal(wrongField.status, 400)
  })

  test('the other endpoints: is-exists, get-profile-picture, read-messages, send-presence, download-media, batches', async () => {
    const t = { token: TOKEN }
    await expect4xx('is-exists', { ...t }, 400, /number: is required/)
    await expect4xx('is-exists', { ...t, number: [ann.number] }, 400, /not an array/)
    await expect4xx('is-exists', { ...t, number: '120363000000000001@g.us' }, 400, /phone numbers/)
    await expect4xx('is-exists', { token: 'nope', number: ann.number }, 404)
    await expect4xx('is-exists', { token: IDLE, number: ann.number }, 409)
    await expect4xx('get-profile-picture', { ...t, number: ann.number, highrest: 'maybe' }, 400, /highrest: must be a boolean/)
    await expect4xx('get-profile-picture', { ...t, number: '19998887777' }, 404, /no profile picture/)
    await expect4xx('read-messages', { ...t }, 400, /keys/)
    await expect4xx('read-messages', { ...t, keys: [{ id: 'x' }] }, 400, /remoteJid is required/)
    await expect4xx('send-presence', { ...t, number: ann.number, presence: 'dancing' }, 400, /presence: must be one of/)
    await expect4xx('send-presence', { ...t, number: ann.number }, 400, /presence: is required/)
    await expect4xx('download-media', { ...t }, 400, /key \{id, remoteJid, fromMe\} or message is required/)
    await expect4xx('download-media', { ...t, key: { id: 'NOT-STORED' } }, 404, /not in the store/)
    await expect4xx('download-media', { ...t, message: { key: { id: 'x' }, message: { conversation: 'hi' } } }, 400, /not a media message/)
    await expect4xx('download-media', { ...t, message: { key: { id: 'x' }, message: { imageMessage: { url: 'http://example.com/x', mediaKey: 'AAAA', directPath: '/x' } } } }, 400, /must be https/)
    await expect4xx('download-media', { ...t, message: { key: { id: 'x' }, message: { imageMessage: { url: 'https://example.com/x' } } } }, 400, /no downloadable media/)
    const missing = await h.api('GET', '/api/whatsapp/batches/00000000-0000-0000-0000-000000000000')
    assert.equal(missing.status, 404)
    const bad = await h.api('GET', '/api/whatsapp/batches/not%20an%20id')
    assert.equal(bad.status, 400)
  })
})
