// Issue 2 end to end: HTTP API + Socket.IO → real Baileys → simulator, for the whole life of
// an instance: QR, open, restart, server restart with autostart, pairing code, phone logout,
// dropped connections, and a WhatsApp that refuses every connection.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { BufferJSON, initAuthCreds } from '@whiskeysockets/baileys'
import { join } from 'node:path'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

let h: Harness

before(async () => {
  h = await startHarness({ env: { MAX_RECONNECTS: '3' } })
})
after(async () => {
  await h.close()
})

interface StateEvent { token: string; state: string; statusCode?: number }

test('QR → scan → connection-open, then API restart and server restart reconnect without a new QR', async () => {
  const s = await h.socket({ tokens: ['alpha'] })
  const qr = waitForEvent<{ token: string; data: string; qr: string }>(s, 'qrcode', (p) => p.token === 'alpha')
  const opened = waitForEvent<{ token: string; user: { id: string }; ppUrl: string | null }>(s, 'connection-open')
  const created = await h.api<{ state: string }>('POST', '/api/whatsapp/create-instance', { token: 'alpha' })
  assert.equal(created.status, 200)
  const q = await qr
  assert.match(q.data, /^data:image\/png;base64,/)

  const png = await fetch(`${h.baseUrl}/api/whatsapp/instances/alpha/qr`, { headers: { authorization: `Basic ${Buffer.from('test-auth-key-123:').toString('base64')}` } })
  assert.equal(png.headers.get('content-type'), 'image/png')
  assert.deepEqual([...new Uint8Array(await png.arrayBuffer()).slice(0, 4)], [0x89, 0x50, 0x4e, 0x47])
  const asJson = await h.api<{ qr: string; dataUrl: string }>('GET', '/api/whatsapp/instances/alpha/qr', undefined, { accept: 'application/json' })
  assert.equal(asJson.body.data?.qr, q.qr)

  const { phone } = await h.sim.scanQr(q.qr)
  const open = await opened
  assert.equal(open.user.id.split(':')[0].split('@')[0], phone)
  assert.ok(existsSync(join(h.dirs.credentials, 'alpha', 'creds.json')))
  assert.ok(existsSync(join(h.dirs.credentials, 'alpha', 'keys.db')))
  const list = await h.api<Array<{ token: string; state: string }>>('GET', '/api/whatsapp/instances')
  assert.deepEqual(list.body.data?.find((i) => i.token === 'alpha')?.state, 'open')

  // Restart by API: open again, and no QR on the way.
  let qrAgain = false
  s.on('qrcode', () => (qrAgain = true))
  const reopened = waitForEvent(s, 'connection-open')
  const restarted = await h.api('POST', '/api/whatsapp/instances/alpha/restart')
  assert.equal(restarted.status, 200)
  await reopened
  assert.equal(qrAgain, false)
  s.close()

  // Server restart: autostart reads the credentials folder and reaches open without a scan.
  await h.restartGateway()
  await new Promise<void>((resolve) => {
    const check = () => h.app.sessions.get('alpha')?.state === 'open'
    if (check()) return resolve()
    const off = h.app.bus.on('connection-open', (e) => {
      if (e.token === 'alpha') {
        off()
        resolve()
      }
    })
  })
  assert.equal(h.app.sessions.get('alpha')?.qr, undefined)
})

test('pairing code → open', async () => {
  const phone = '15550777001'
  const s = await h.socket({ tokens: ['coded'] })
  const opened = waitForEvent(s, 'connection-open')
  const res = await h.api<{ pairingCode: string }>('POST', '/api/whatsapp/create-instance', { token: 'coded', phone: `+${phone}` })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const code = res.body.data?.pairingCode ?? ''
  assert.match(code, /^[A-Z0-9]{8}$/)
  await h.sim.enterPairingCode(phone, code)
  await opened
  s.close()
})

test('phone-side logout wipes credentials and emits logged-out while another instance stays open', async () => {
  const one = await h.pair('logout-me')
  await h.pair('stay-open')
  const s = await h.socket()
  const loggedOut = waitForEvent<{ token: string }>(s, 'logged-out', (p) => p.token === 'logout-me')
  await h.sim.logout(one.phone)
  await loggedOut
  assert.equal(existsSync(join(h.dirs.credentials, 'logout-me')), false)
  const list = await h.api<Array<{ token: string; state: string }>>('GET', '/api/whatsapp/instances')
  const states = Object.fromEntries((list.body.data ?? []).map((i) => [i.token, i.state]))
  assert.equal(states['logout-me'], 'logged-out')
  assert.equal(states['stay-open'], 'open')
  s.close()
})

test('a dropped connection backs off and reconnects to open', async () => {
  const { phone } = await h.pair('droppy')
  const s = await h.socket({ tokens: ['droppy'] })
  const reconnecting = waitForEvent<StateEvent>(s, 'connection-state', (p) => p.state === 'connecting')
  const reopened = waitForEvent(s, 'connection-open')
  h.sim.dropConnection(phone)
  await reconnecting
  await reopened
  s.close()
})

test('a simulator that refuses every connection leaves the instance failed after MAX_RECONNECTS', async () => {
  const { phone } = await h.pair('refused')
  const s = await h.socket({ tokens: ['refused'] })
  const attempts: string[] = []
  s.on('connection-state', (p: StateEvent) => attempts.push(p.state))
  const failed = waitForEvent<StateEvent>(s, 'connection-state', (p) => p.state === 'failed', 30_000)
  h.sim.setRefuseConnections(true)
  try {
    h.sim.dropConnection(phone)
    await failed
  } finally {
    h.sim.setRefuseConnections(false)
  }
  assert.equal(attempts.filter((a) => a === 'connecting').length >= 3, true)
  // Failed means idle: no socket (and so no listeners or timers) is left behind, and none reconnects.
  assert.equal(h.app.sessions.get('refused')?.socket, undefined)
  assert.equal(h.sim.account(phone)?.connected, false)
  // From failed, a restart by API connects again.
  const reopened = waitForEvent(s, 'connection-open')
  await h.api('POST', '/api/whatsapp/instances/refused/restart')
  await reopened
  s.close()
})

test('delete-credential logs out, wipes the folder and answers in the seed shape', async () => {
  await h.pair('doomed')
  const res = await h.api('POST', '/api/whatsapp/delete-credential', { token: 'doomed' })
  assert.equal(res.status, 200)
  assert.deepEqual(res.body, { status: true, data: { status: true, message: 'Deleting session and credential' } })
  assert.equal(existsSync(join(h.dirs.credentials, 'doomed')), false)
  const list = await h.api<Array<{ token: string }>>('GET', '/api/whatsapp/instances')
  assert.equal(list.body.data?.some((i) => i.token === 'doomed'), false)
})

test('delete-credential for an unknown token answers 404 like every other route', async () => {
  const res = await h.api('POST', '/api/whatsapp/delete-credential', { token: 'never-created' })
  assert.equal(res.status, 404, JSON.stringify(res.body))
  assert.equal(res.body.status, false)
  assert.match(String(res.body.message), /instance "never-created" not found/)
})

test('a QR that is never scanned stops after QR_MAX_REFRESHES with qr-timeout', async () => {
  // A second gateway on the same simulator, with short-lived QRs so the test need not wait minutes.
  const quick = await startHarness({ sim: h.sim, env: { QR_TIMEOUT_MS: '150', QR_MAX_REFRESHES: '2' } })
  try {
    const s = await quick.socket({ tokens: ['unscanned'] })
    const qrs: number[] = []
    s.on('qrcode', (p: { attempt: number }) => qrs.push(p.attempt))
    const timedOut = waitForEvent<{ token: string; attempts: number }>(s, 'qr-timeout')
    const closed = waitForEvent<StateEvent>(s, 'connection-state', (p) => p.state === 'closed')
    await quick.api('POST', '/api/whatsapp/create-instance', { token: 'unscanned' })
    assert.deepEqual(await timedOut, { token: 'unscanned', attempts: 2 })
    await closed
    assert.deepEqual(qrs, [1, 2])
    const list = await quick.api<Array<{ token: string; state: string }>>('GET', '/api/whatsapp/instances')
    assert.equal(list.body.data?.find((i) => i.token === 'unscanned')?.state, 'closed')
  } finally {
    await quick.close()
  }
})

test('an open instance shows no stale lastError (the 515 restart of a first login)', async () => {
  await h.pair('fresh-login')
  const one = await h.api<{ state: string; lastError: string | null }>('GET', '/api/whatsapp/instances/fresh-login')
  assert.equal(one.body.data?.state, 'open')
  assert.equal(one.body.data?.lastError, null)
})

test('a QR nobody scanned leaves no credentials folder after a restart, nor after a crash', async () => {
  const s = await h.socket({ tokens: ['never-scanned'] })
  const qr = waitForEvent(s, 'qrcode', (p: { token: string }) => p.token === 'never-scanned')
  await h.api('POST', '/api/whatsapp/create-instance', { token: 'never-scanned' })
  await qr
  s.close()
  const folder = join(h.dirs.credentials, 'never-scanned')
  assert.ok(existsSync(folder), 'the login in progress has its folder')
  await h.restartGateway()
  assert.equal(existsSync(folder), false, 'a clean stop removes it')

  // A crash leaves the folder behind (no stop ran): the next boot removes it, paired ones stay.
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'creds.json'), JSON.stringify(initAuthCreds(), BufferJSON.replacer))
  await h.restartGateway()
  await until(() => !existsSync(folder))
  assert.ok(existsSync(join(h.dirs.credentials, 'fresh-login', 'creds.json')), 'a paired instance keeps its folder')
})

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
