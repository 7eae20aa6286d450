// One instance can never take the gateway down: a keys DB that cannot open (on autostart and on
// create), an unreadable creds file and a disk that refuses creds.json writes each leave THAT
// instance failed or reporting lastError, while a healthy instance next to it keeps sending.
// Shutdown then reports the unsaved credentials. Files holding keys and messages are private.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { SimContact } from '../../src/simulator/index.js'
import { SqliteAuthStore } from '../../src/sessions/auth-state.js'
import { writeFileAtomic } from '../../src/util/atomic-write.js'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const FULL = 'diskfull'
let h: Harness
let contact: SimContact
let sent = 0

interface Instance { token: string; state: string; lastError: string | null }

before(async () => {
  h = await startHarness({
    env: { MAX_RECONNECTS: '2' },
    // The disk is "full" for one instance only: every creds.json write of FULL fails.
    authStore: (dir) => new SqliteAuthStore(dir, async (path, data, mode) => {
      if (path.includes(`/${FULL}/`)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
      await writeFileAtomic(path, data, mode)
    }),
  })
  contact = await h.sim.createContact({ name: 'Keeps receiving' })
  await h.pair('healthy')
})
after(async () => {
  await h.close()
})

/** The healthy instance sends a text and the contact decrypts it. */
async function healthySends(): Promise<void> {
  const text = `still sending ${++sent}`
  const res = await h.api<{ key: { id: string } }>('POST', '/api/whatsapp/send-text', { token: 'healthy', number: contact.number, text })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const got = await contact.waitForMessage((m) => m.id === res.body.data?.key.id, 10_000)
  assert.equal(got.text, text)
}

async function instance(token: string): Promise<Instance> {
  const res = await h.api<Instance>('GET', `/api/whatsapp/instances/${token}`)
  assert.equal(res.status, 200)
  return res.body.data!
}

test('a paired instance whose keys DB cannot open on autostart is failed; the healthy one autostarts and sends', async () => {
  await h.pair('brokenkeys')
  // Swapped while open (SQLite keeps its handle): on the next boot keys.db is a directory.
  const keys = join(h.dirs.credentials, 'brokenkeys', 'keys.db')
  renameSync(keys, `${keys}.moved`)
  mkdirSync(keys)
  await h.restartGateway()
  const s = await h.socket({ tokens: ['healthy', 'brokenkeys'] })
  const failed = waitForEvent<{ token: string; state: string }>(s, 'connection-state', (p) => p.token === 'brokenkeys' && p.state === 'failed')
  const list = await h.api<Instance[]>('GET', '/api/whatsapp/instances')
  const states = new Map((list.body.data ?? []).map((i) => [i.token, i.state]))
  if (states.get('brokenkeys') !== 'failed') await failed
  if (states.get('healthy') !== 'open') await waitForEvent(s, 'connection-state', (p: { token: string; state: string }) => p.token === 'healthy' && p.state === 'open')
  s.close()
  assert.match((await instance('brokenkeys')).lastError ?? '', /could not start the connection/)
  await healthySends()
})

test('create-instance with an unreadable creds file or a keys DB that cannot open: failed with lastError, no crash', async () => {
  mkdirSync(join(h.dirs.credentials, 'badcreds', 'creds.json'), { recursive: true }) // reading it: EISDIR
  mkdirSync(join(h.dirs.credentials, 'badkeys', 'keys.db'), { recursive: true })
  for (const token of ['badcreds', 'badkeys']) {
    const created = await h.api<{ state: string; lastError: string }>('POST', '/api/whatsapp/create-instance', { token })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.equal(created.body.data?.state, 'failed')
    assert.match(created.body.data?.lastError ?? '', /could not start the connection/)
    assert.match(String(created.body.data && (created.body.data as unknown as { message: string }).message), /could not start/)
    const info = await instance(token)
    assert.equal(info.state, 'failed')
  }
  await healthySends()
})

test('a disk that refuses creds.json: lastError, a metric and a rejected shutdown; the healthy one keeps sending', async () => {
  await h.pair(FULL) // pairing itself saves creds (pair-success): those writes fail
  const info = await instance(FULL)
  assert.equal(info.state, 'open', 'the connection itself is fine')
  assert.match(info.lastError ?? '', /could not save credentials \(creds\.json\): ENOSPC/)
  const metrics = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Basic ${Buffer.from('test-auth-key-123:').toString('base64')}` } })
  const failures = Number(/^wa_creds_write_failures_total (\d+)/m.exec(await metrics.text())?.[1] ?? 0)
  assert.ok(failures >= 1, `wa_creds_write_failures_total = ${failures}`)
  await healthySends()

  // Private files, checked on the live data: keys, messages and secrets are 0600 in 0700 folders.
  const mode = (p: string) => statSync(p).mode & 0o777
  for (const d of [h.dirs.credentials, join(h.dirs.credentials, 'healthy'), h.dirs.data]) assert.equal(mode(d), 0o700, d)
  for (const f of ['creds.json', 'keys.db', 'keys.db-wal', 'keys.db-shm']) assert.equal(mode(join(h.dirs.credentials, 'healthy', f)), 0o600, f)
  for (const f of ['gateway.db', 'gateway.db-wal', 'gateway.db-shm']) assert.equal(mode(join(h.dirs.data, f)), 0o600, f)

  // Shutdown stops everything, then reports the instance whose credentials are not on disk.
  await assert.rejects(h.app.close(), /credentials not saved for 1 instance\(s\): diskfull: .*ENOSPC/)
})
