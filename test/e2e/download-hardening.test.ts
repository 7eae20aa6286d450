// download-media with MEDIA_ALLOW_PRIVATE=false (the production default) against the simulator:
// the simulator's media host (on loopback) is trusted by host:port, the rest of loopback is not;
// file names outside Latin-1 or with control characters answer 200 with an RFC 6266 header; a
// download that fails mid-stream ends the response without taking the gateway down.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'socket.io-client'
import type { SimContact } from '../../src/simulator/index.js'
import { basicAuth, startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const TOKEN = 'dl-hardening'

interface Upsert { token: string; key: { id: string; fromMe?: boolean }; message: Record<string, unknown> & { message?: Record<string, Record<string, unknown>> } }

describe('download-media hardening (MEDIA_ALLOW_PRIVATE=false)', () => {
  let h: Harness
  let io: Socket
  let dora: SimContact
  let phone = ''

  const download = (body: unknown) => fetch(`${h.baseUrl}/api/whatsapp/download-media`, {
    method: 'POST', headers: { authorization: basicAuth(), 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN, ...(body as object) }),
  })
  const received = async (bytes: Buffer, fileName: string) => {
    const got = waitForEvent<Upsert>(io, 'message-upsert', (u) => !u.key.fromMe && u.message.message?.documentMessage !== undefined && u.message.message.documentMessage.fileName === fileName)
    await dora.sendMedia(phone, { data: bytes, mimetype: 'application/pdf', fileName })
    return (await got).message
  }

  before(async () => {
    h = await startHarness({ env: { MEDIA_ALLOW_PRIVATE: 'false' } })
    dora = await h.sim.createContact({ name: 'Dora' })
    ;({ phone } = await h.pair(TOKEN))
    io = await h.socket({ tokens: [TOKEN] })
  })
  after(() => h?.close())

  test('the simulator media host is trusted; another loopback port in the message is refused', async () => {
    const bytes = randomBytes(5000)
    const message = await received(bytes, 'plain.pdf')
    const ok = await download({ message })
    assert.equal(ok.status, 200, await ok.clone().text())
    assert.ok(Buffer.from(await ok.arrayBuffer()).equals(bytes))

    const doc = message.message!.documentMessage
    const port = new URL(h.baseUrl).port
    const forged = { ...message, message: { documentMessage: { ...doc, url: `https://127.0.0.1:${port}/api/whatsapp/instances`, directPath: undefined } } }
    const refused = await download({ message: forged })
    assert.equal(refused.status, 400)
    assert.match(((await refused.json()) as { message: string }).message, /127\.0\.0\.1 \(loopback\)/)
  })

  test('non-Latin-1 and control-character file names answer 200 with filename* (UTF-8) and an ASCII fallback', async () => {
    const name = 'отчёт 2026 — 東京\u0007"x".pdf'
    const bytes = randomBytes(3000)
    const message = await received(bytes, name)
    const r = await download({ message })
    assert.equal(r.status, 200, await r.clone().text())
    const cd = r.headers.get('content-disposition') ?? ''
    assert.match(cd, /^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/)
    assert.equal(decodeURIComponent(cd.split("filename*=UTF-8''")[1]), name)
    assert.doesNotMatch(cd.split(';')[1], /[^\x20-\x7e]/, 'the fallback is printable ASCII')
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(bytes))
  })

  test('a download that fails mid-stream (wrong media key) ends the response; the gateway keeps answering', async () => {
    const message = await received(randomBytes(300_000), 'big.pdf')
    const doc = message.message!.documentMessage
    const wrongKey = { ...message, message: { documentMessage: { ...doc, mediaKey: randomBytes(32).toString('base64') } } }
    const r = await download({ message: wrongKey })
    if (r.status === 200) {
      await assert.rejects(r.arrayBuffer(), 'the body is cut off, not completed as if it were whole')
    } else {
      assert.ok(r.status >= 400 && r.status < 600, `status ${r.status}`)
      await r.arrayBuffer()
    }
    const alive = await h.api('GET', '/api/whatsapp/instances')
    assert.equal(alive.status, 200)
  })
})
