// File descriptors per instance, measured on /proc/self/fd (Linux): what an open instance holds,
// and that a create-instance queued behind PAIRING_CONCURRENCY holds nothing until its slot.
// The simulator runs in this process too, so a gateway↔simulator WebSocket shows up as two sockets.
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const N = 6
let h: Harness

before(async () => {
  h = await startHarness({ env: { PAIRING_CONCURRENCY: '1' } })
})
after(async () => {
  await h.close()
})

/** Targets of this process's open descriptors. */
function fds(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)]
    } catch {
      return [] // closed while we listed
    }
  })
}
const sockets = (list: string[]) => list.filter((t) => t.startsWith('socket:')).length
const filesOf = (list: string[], token: string) => list.filter((t) => t.startsWith(join(h.dirs.credentials, token) + '/'))
/** What an instance keeps open (a creds.json save in flight is a passing extra). */
const heldFiles = (list: string[], token: string) => filesOf(list, token).filter((f) => !/creds\.json/.test(f))

test('a create-instance queued behind its pairing slot opens no file', async () => {
  const io = await h.socket({ tokens: ['first', 'queued'] })
  const firstQr = waitForEvent(io, 'qrcode', (p: { token: string }) => p.token === 'first')
  assert.equal((await h.api('POST', '/api/whatsapp/create-instance', { token: 'first' })).status, 200)
  await firstQr // 'first' holds the only slot while it shows a QR
  const queued = h.api('POST', '/api/whatsapp/create-instance', { token: 'queued' }) // waits for the slot
  const state = await h.api<{ state: string }>('GET', '/api/whatsapp/instances/queued')
  assert.equal(state.body.data?.state, 'connecting')
  assert.deepEqual(filesOf(fds(), 'queued'), [], 'no descriptor into credentials/queued')
  assert.equal(existsSync(join(h.dirs.credentials, 'queued')), false, 'not even its folder')
  assert.ok(filesOf(fds(), 'first').length > 0, 'the instance holding the slot has its files open')
  await h.api('POST', '/api/whatsapp/delete-credential', { token: 'first' })
  await queued
  await h.api('POST', '/api/whatsapp/delete-credential', { token: 'queued' })
  io.close()
})

test(`descriptors per open instance (${N} paired instances)`, async (t: TestContext) => {
  await h.pair('warmup') // one-time descriptors (agents, caches) are not per instance
  const before = fds()
  for (let i = 0; i < N; i++) await h.pair(`fd${i}`)
  const after = fds()
  const files = Array.from({ length: N }, (_v, i) => heldFiles(after, `fd${i}`))
  const perInstanceFiles = files.map((f) => f.length)
  const socketDelta = sockets(after) - sockets(before)
  const totalDelta = after.length - before.length
  t.diagnostic(`files per instance: ${perInstanceFiles.join(', ')} (${files[0].map((f) => f.split('/').pop()).join(', ')})`)
  t.diagnostic(`sockets: +${socketDelta} for ${N} instances (gateway and simulator ends in one process)`)
  t.diagnostic(`all descriptors: +${totalDelta} for ${N} instances = ${(totalDelta / N).toFixed(1)} per instance incl. the simulator's end`)
  for (const n of perInstanceFiles) assert.ok(n <= 3, `keys.db, -wal and -shm at most, got ${n}`)
  assert.ok(totalDelta / N <= 8, `at most 8 descriptors per instance including the simulator's end, got ${(totalDelta / N).toFixed(1)}`)
})
