import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { SqliteAuthStore, isPaired } from '../src/sessions/auth-state.js'
import { writeFileAtomic } from '../src/util/atomic-write.js'
import { backoffDelay } from '../src/util/backoff.js'
import { Semaphore } from '../src/util/semaphore.js'

test('SQLite auth state: keys round-trip, deletes, creds saved atomically, folder per token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wagw-auth-'))
  const store = new SqliteAuthStore(dir)
  const a = store.open('tok-a')
  const preKeys: Record<string, { public: Uint8Array; private: Uint8Array }> = {}
  for (let i = 1; i <= 812; i++) preKeys[String(i)] = { public: Buffer.alloc(32, i % 256), private: Buffer.alloc(32, 7) }
  await a.state.keys.set({ 'pre-key': preKeys, session: { 'x@lid': Buffer.from([1, 2, 3]) } })
  const got = await a.state.keys.get('pre-key', ['1', '812', '999'])
  assert.deepEqual(Object.keys(got).sort(), ['1', '812'])
  assert.ok(Buffer.from(got['812'].public).equals(Buffer.alloc(32, 812 % 256)))
  await a.state.keys.set({ 'pre-key': { '1': null } })
  assert.deepEqual(await a.state.keys.get('pre-key', ['1']), {})
  // Only two files for 812 keys (plus SQLite's WAL side files), not one file per key.
  assert.ok(readdirSync(join(dir, 'tok-a')).length <= 4)
  await a.saveCreds()
  const saved = JSON.parse(readFileSync(join(dir, 'tok-a', 'creds.json'), 'utf8')) as { registrationId: number }
  assert.equal(saved.registrationId, a.state.creds.registrationId)
  assert.equal(isPaired(a.state.creds), false)
  assert.deepEqual(store.listSaved(), [], 'unpaired credentials are not autostarted')
  a.close()

  // Reopening reads the same creds and keys back.
  const again = store.open('tok-a')
  assert.equal(again.state.creds.registrationId, a.state.creds.registrationId)
  assert.ok(Buffer.from((await again.state.keys.get('session', ['x@lid']))['x@lid']).equals(Buffer.from([1, 2, 3])))
  again.close()

  // A paired account is listed for autostart; a corrupt creds file is not.
  mkdirpWrite(join(dir, 'paired', 'creds.json'), JSON.stringify({ me: { id: '1@s.whatsapp.net' }, account: { details: 'x' } }))
  mkdirpWrite(join(dir, 'broken', 'creds.json'), '{not json')
  assert.deepEqual(store.listSaved().sort(), ['paired'])
  store.remove('tok-a')
  assert.equal(existsSync(join(dir, 'tok-a')), false)
  rmSync(dir, { recursive: true, force: true })
})

function mkdirpWrite(file: string, text: string) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
}

test('backoff is exponential, capped and jittered', () => {
  for (let attempt = 1; attempt <= 30; attempt++) {
    const ceiling = Math.min(60_000, 1000 * 2 ** (attempt - 1))
    for (let i = 0; i < 20; i++) {
      const d = backoffDelay(attempt, 1000, 60_000)
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${attempt}: ${d}`)
    }
  }
})

test('semaphore admits at most N holders and hands slots over in order', async () => {
  const sem = new Semaphore(2)
  const r1 = await sem.acquire()
  const r2 = await sem.acquire()
  const order: number[] = []
  const third = sem.acquire().then((r) => { order.push(3); return r })
  const fourth = sem.acquire().then((r) => { order.push(4); return r })
  assert.equal(sem.inUse, 2)
  r1()
  r1() // a second release of the same slot is ignored
  const r3 = await third
  assert.equal(sem.inUse, 2)
  r2()
  const r4 = await fourth
  assert.deepEqual(order, [3, 4])
  r3()
  r4()
  assert.equal(sem.inUse, 0)
})

test('a failed creds.json write is never swallowed: saveCreds and flush reject, the next good save recovers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wagw-auth-fail-'))
  let diskFull = true
  const store = new SqliteAuthStore(dir, async (path, data, mode) => {
    if (diskFull) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    await writeFileAtomic(path, data, mode)
  })
  const h = store.open('tok-full')
  await assert.rejects(h.saveCreds(), /ENOSPC/)
  await assert.rejects(h.flush(), /ENOSPC/, 'shutdown sees the failure')
  diskFull = false
  await h.saveCreds()
  await h.flush()
  assert.ok(existsSync(join(dir, 'tok-full', 'creds.json')))
  h.close()
  rmSync(dir, { recursive: true, force: true })
})

test('credentials and keys are private: folders 0700, creds.json, keys.db and its WAL files 0600', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'wagw-auth-mode-')), 'credentials')
  const store = new SqliteAuthStore(dir)
  const h = store.open('tok-m')
  await h.state.keys.set({ session: { 'x@lid': Buffer.from([1]) } })
  await h.saveCreds()
  const mode = (p: string) => statSync(p).mode & 0o777
  assert.equal(mode(dir), 0o700)
  assert.equal(mode(join(dir, 'tok-m')), 0o700)
  for (const f of ['creds.json', 'keys.db', 'keys.db-wal', 'keys.db-shm']) {
    assert.equal(mode(join(dir, 'tok-m', f)), 0o600, f)
  }
  h.close()
  rmSync(dirname(dir), { recursive: true, force: true })
})

test('an unhandled rejection is logged with the instance token and the process keeps running', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/unhandled-rejection.ts'], { encoding: 'utf8', timeout: 30_000 })
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  const logged = lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg?: string; token?: string; err?: { message?: string } }) : {}))
    .find((l) => l.msg?.includes('unhandled promise rejection'))
  assert.ok(logged, r.stdout)
  assert.equal(logged.token, 'tok-stray')
  assert.equal(logged.err?.message, 'stray failure in a socket callback')
  assert.ok(lines.includes('still alive'), 'the process went on after the rejection')
})
