// Nothing under data/ grows without bound: cancelling batches that have not started frees their
// media at once, a restart leaves no media of finished/cancelled batches and no temp files, and an
// instance cannot queue more than MAX_QUEUED_BATCHES batches.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { SimContact } from '../../src/simulator/index.js'
import { startHarness, type Harness } from '../helpers/harness.js'

const TOKEN = 'bulk-limits'
const BATCHES = 20
let h: Harness
let contacts: SimContact[] = []

before(async () => {
  h = await startHarness({ env: { MAX_QUEUED_BATCHES: String(BATCHES) } })
  contacts = await Promise.all([1, 2].map((i) => h.sim.createContact({ name: `L${i}` })))
  await h.pair(TOKEN)
})
after(async () => {
  await h.close()
})

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : [])

/** Polls a condition (no fixed sleeps): the files are removed by async work after the API answered. */
async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

test(`cancel ${BATCHES} queued media batches: their media is freed, the cap answers 429, and a restart leaves data/ clean`, async () => {
  const media = join(h.dirs.data, 'bulk-media')
  const base64 = randomBytes(20_000).toString('base64')
  const ids: string[] = []
  for (let i = 0; i < BATCHES; i++) {
    // A long delay keeps the first batch waiting after its first send and every other one queued.
    const r = await h.api<{ batchId: string }>('POST', '/api/whatsapp/send-media', {
      token: TOKEN, number: contacts.map((c) => c.number), type: 'document', base64, fileName: `doc-${i}.bin`, delay: { min: 600, max: 600 },
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    ids.push(r.body.data!.batchId)
  }
  assert.equal(entries(media).length, BATCHES, 'each batch keeps its media until it is finished')
  const blobs = join(h.dirs.data, 'bulk-media-blobs')
  assert.equal(entries(blobs).length, 1, 'the same bytes are stored once for all batches')
  assert.equal(statSync(join(blobs, entries(blobs)[0])).nlink, BATCHES + 1, 'each batch holds a hard link, not a copy')

  const over = await h.api('POST', '/api/whatsapp/send-media', { token: TOKEN, number: contacts.map((c) => c.number), type: 'document', base64 })
  assert.equal(over.status, 429)
  assert.match(String(over.body.message), /already has 20 unfinished bulk batches \(MAX_QUEUED_BATCHES\)/)
  assert.equal(entries(media).length, BATCHES, 'a refused batch stores nothing')

  for (const id of ids) {
    const r = await h.api<{ status: string }>('POST', `/api/whatsapp/batches/${id}/cancel`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
  }
  await until('the media of all cancelled batches to be freed', () => entries(media).length === 0 && entries(blobs).length === 0)

  await h.restartGateway()
  assert.deepEqual(entries(media), [], 'no batch media after a restart')
  assert.deepEqual(entries(blobs), [], 'no stored media after a restart')
  assert.deepEqual(entries(join(h.dirs.data, 'tmp', 'media')), [], 'no temp media after a restart')
})

test('a scheduled bulk job with media: every run links the one stored copy instead of writing its own', async () => {
  const base64 = randomBytes(30_000).toString('base64')
  const call = (path: string, body: Record<string, unknown>) => h.api<unknown>('POST', `/api/whatsapp/scheduler/${path}`, { token: TOKEN, ...body })
  const added = await call('add-scheduler', {
    id: 'campaign', type: 'sendMedia', time: '0 0 1 1 *',
    data: { number: contacts.map((c) => c.number), type: 'document', base64, fileName: 'flyer.bin', delay: { min: 600, max: 600 } },
  })
  assert.equal(added.status, 200, JSON.stringify(added.body))
  const batchIds: string[] = []
  for (let run = 0; run < 3; run++) {
    const r = await call('run-now', { id: 'campaign' })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    batchIds.push((r.body.data as { result: { batchId: string } }).result.batchId)
  }
  const blobs = join(h.dirs.data, 'bulk-media-blobs')
  assert.equal(entries(blobs).length, 1, 'one stored copy for three runs')
  assert.equal(statSync(join(blobs, entries(blobs)[0])).nlink, 4)
  for (const id of batchIds) assert.equal((await h.api('POST', `/api/whatsapp/batches/${id}/cancel`)).status, 200)
  await until('the runs\' media to be freed', () => entries(blobs).length === 0 && entries(join(h.dirs.data, 'bulk-media')).length === 0)
})
