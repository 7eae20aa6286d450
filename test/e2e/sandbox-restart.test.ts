// A sandbox restart keeps media downloadable (issue 10): the simulator reuses the ws and media
// ports of its last run (kept in its data dir), so URLs handed out before stay valid; media that
// truly cannot be had answers 410, as docs/messaging.md promises.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Simulator } from '../../src/simulator/index.js'
import { basicAuth, startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const TOKEN = 'media-keeper'
const dataDir = mkdtempSync(join(tmpdir(), 'wagw-sandbox-restart-'))
let sim: Simulator
let h: Harness | undefined

after(async () => {
  await h?.close()
  await sim?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

interface Upsert { token: string; key: { id: string }; message: { message?: { imageMessage?: { url?: string; directPath?: string } } } }

const download = (baseUrl: string, message: unknown) =>
  fetch(`${baseUrl}/api/whatsapp/download-media`, {
    method: 'POST',
    headers: { authorization: basicAuth(), 'content-type': 'application/json' },
    body: JSON.stringify({ token: TOKEN, message }),
  })

test('media received before a simulator restart still downloads; media that is gone answers 410', { timeout: 90_000 }, async () => {
  sim = await Simulator.start({ dataDir })
  h = await startHarness({ sim })
  const { phone } = await h.pair(TOKEN)
  const bob = await sim.createContact({ number: '15559870042', name: 'Bob' })
  const s = await h.socket({ tokens: [TOKEN] })

  const bytes = Buffer.from('89504e470d0a1a0a' + 'ab'.repeat(200), 'hex')
  const seen = waitForEvent<Upsert>(s, 'message-upsert', (p) => Boolean(p.message.message?.imageMessage))
  await bob.sendMedia(phone, { data: bytes, mimetype: 'image/png' })
  const { message } = await seen
  const before = await download(h.baseUrl, message)
  assert.equal(before.status, 200, await before.clone().text())
  assert.deepEqual(Buffer.from(await before.arrayBuffer()), bytes)

  // Restart the simulated network on its data dir; the gateway reconnects to the same ws URL.
  const { wsUrl, mediaHost } = sim
  const dropped = waitForEvent<{ state: string }>(s, 'connection-state', (p) => p.state !== 'open')
  await sim.stop()
  await dropped
  const reopened = waitForEvent(s, 'connection-open', () => true, 30_000)
  sim = await Simulator.start({ dataDir })
  assert.equal(sim.wsUrl, wsUrl, 'the ws port is kept with the simulator state')
  assert.equal(sim.mediaHost, mediaHost, 'the media host port is kept with the simulator state')
  await reopened

  const after = await download(h.baseUrl, message)
  assert.equal(after.status, 200, await after.clone().text())
  assert.deepEqual(Buffer.from(await after.arrayBuffer()), bytes)

  // The same message pointing at a blob the media host never had: 410, not 502.
  const gone = JSON.parse(JSON.stringify(message)) as Upsert['message']
  const img = gone.message!.imageMessage!
  img.directPath = '/v/t62.7118-24/image/sim_never_uploaded.enc?ccb=11-4'
  img.url = `https://${mediaHost}${img.directPath}&mms3=true`
  const res = await download(h.baseUrl, gone)
  assert.equal(res.status, 410, await res.clone().text())
  const body = (await res.json()) as { status: boolean; message: string }
  assert.equal(body.status, false)
  assert.match(body.message, /no longer/)
})
