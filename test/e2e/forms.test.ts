// Bodies as PHP backends, Postman and curl send them: a real `php` posting http_build_query forms
// (create, send, bulk with number[0]…), multipart text fields on send routes, and a JSON body sent
// without its content type, which gets a 415 that says what to fix.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { SimContact } from '../../src/simulator/index.js'
import { AUTH, basicAuth, startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const run = promisify(execFile)
let h: Harness
let alice: SimContact
let bob: SimContact

/** `php` is a dev dependency of this suite: .ci/run installs php-cli; elsewhere the PHP test says it is missing. */
const php = await run('php', ['--version']).then(() => true, () => false)

async function phpPost<T>(path: string, data: unknown): Promise<{ status: number; body: { status: boolean; data?: T; message?: string } }> {
  const { stdout } = await run('php', [join(process.cwd(), 'test/php/post-form.php'), path, JSON.stringify(data)], {
    env: { ...process.env, API: `${h.baseUrl}/api/whatsapp/`, AUTH },
  })
  return JSON.parse(stdout) as never
}

before(async () => {
  h = await startHarness()
  alice = await h.sim.createContact({ name: 'Alice form' })
  bob = await h.sim.createContact({ name: 'Bob form' })
})
after(async () => {
  await h.close()
})

test('a PHP backend posting forms: create-instance, send-text, a bulk send with number[0], number[1]', { skip: !php && !process.env.CI && 'php is not installed (apt-get install php-cli)' }, async () => {
  const s = await h.socket({ tokens: ['php'] })
  const qr = waitForEvent<{ token: string; qr: string }>(s, 'qrcode', (e) => e.token === 'php')
  const opened = waitForEvent(s, 'connection-open', (e: { token: string }) => e.token === 'php')
  const created = await phpPost<{ state: string }>('create-instance', { token: 'php' })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  await h.sim.scanQr((await qr).qr)
  await opened

  const sent = await phpPost<{ key: { id: string } }>('send-text', { token: 'php', number: `+${alice.number}`, text: 'Halo dari PHP' })
  assert.equal(sent.status, 200, JSON.stringify(sent.body))
  assert.equal((await alice.waitForMessage((m) => m.id === sent.body.data?.key.id)).text, 'Halo dari PHP')

  const location = await phpPost<{ key: { id: string } }>('send-location', { token: 'php', number: alice.number, latitude: -6.2, longitude: 106.8 })
  assert.equal(location.status, 200, JSON.stringify(location.body))

  const done = waitForEvent<{ batchId: string; sent: number; failed: number }>(s, 'send-complete')
  const bulk = await phpPost<{ batchId: string; total: number }>('send-text', {
    token: 'php', number: [alice.number, bob.number], text: 'Promo PHP', delay: { min: 0, max: 0 },
  })
  assert.equal(bulk.status, 200, JSON.stringify(bulk.body))
  assert.equal(bulk.body.data?.total, 2)
  const complete = await done
  assert.equal(complete.batchId, bulk.body.data?.batchId)
  assert.deepEqual([complete.sent, complete.failed], [2, 0])
  for (const c of [alice, bob]) await c.waitForMessage((m) => m.text === 'Promo PHP')

  const invalid = await phpPost('send-text', { token: 'php', number: alice.number })
  assert.equal(invalid.status, 400)
  assert.match(invalid.body.message ?? '', /text/)
  s.close()
})

test('multipart text fields work on every send route, arrays included', async () => {
  await h.pair('multi')
  const form = new FormData()
  form.append('token', 'multi')
  form.append('number', bob.number)
  form.append('text', 'from a multipart form')
  const res = await fetch(`${h.baseUrl}/api/whatsapp/send-text`, { method: 'POST', headers: { authorization: basicAuth() }, body: form })
  const body = (await res.json()) as { data?: { key: { id: string } } }
  assert.equal(res.status, 200, JSON.stringify(body))
  assert.equal((await bob.waitForMessage((m) => m.id === body.data?.key.id)).text, 'from a multipart form')

  const poll = new FormData()
  for (const [k, v] of Object.entries({ token: 'multi', number: bob.number, name: 'Lunch?', 'options[0]': 'Rice', 'options[1]': 'Noodles' })) poll.append(k, v)
  const polled = await fetch(`${h.baseUrl}/api/whatsapp/send-poll`, { method: 'POST', headers: { authorization: basicAuth() }, body: poll })
  assert.equal(polled.status, 200, await polled.text())

  const withFile = new FormData()
  withFile.append('token', 'multi')
  withFile.append('number', bob.number)
  withFile.append('text', 'x')
  withFile.append('file', new Blob(['abc']), 'a.txt')
  const refused = await fetch(`${h.baseUrl}/api/whatsapp/send-text`, { method: 'POST', headers: { authorization: basicAuth() }, body: withFile })
  assert.equal(refused.status, 400)
})

test('JSON sent as a form (curl -d without a content type) gets a 415 naming the header to set', async () => {
  const res = await fetch(`${h.baseUrl}/api/whatsapp/send-text`, {
    method: 'POST',
    headers: { authorization: basicAuth(), 'content-type': 'application/x-www-form-urlencoded' },
    body: ' {"token":"multi","number":"1","text":"x"}',
  })
  assert.equal(res.status, 415)
  const body = (await res.json()) as { status: boolean; message: string }
  assert.equal(body.status, false)
  assert.match(body.message, /Content-Type: application\/json/)
})
