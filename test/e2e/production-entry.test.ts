// `npm start`'s entry (node dist/main.js) against `npm run simulator` (node dist/simulator/main.js),
// joined only by the three variables the simulator prints: nothing sandbox-only is involved.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io as ioClient } from 'socket.io-client'
import { waitForEvent } from '../helpers/harness.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

async function startSimulatorProcess(dataDir: string) {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist/simulator/main.js')], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SIM_DATA_DIR: dataDir },
  })
  let out = ''
  const vars = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start in 30 s:\n${out}`)), 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const found = Object.fromEntries([...out.matchAll(/^(WA_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]))
      const control = /"controlUrl":"([^"]+)"/.exec(out)?.[1]
      if (found.WA_WS_URL && found.WA_ROOT_PUBLIC_KEY && found.WA_CA_FILE && control) {
        clearTimeout(timer)
        resolve({ ...found, CONTROL: control })
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}:\n${out}`)))
  })
  const { CONTROL, ...env } = vars
  const control = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(CONTROL + path, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) })
    const json = (await res.json()) as T & { error?: string }
    if (!res.ok) throw new Error(`simulator ${path}: ${json.error}`)
    return json
  }
  return { child, env, control }
}

test('npm start reaches `npm run simulator` through WA_WS_URL, WA_ROOT_PUBLIC_KEY and WA_CA_FILE: pair, send text and media', async () => {
  const simDir = mkdtempSync(join(tmpdir(), 'wagw-simproc-'))
  const sim = await startSimulatorProcess(simDir)
  const gw = await startGatewayProcess({ AUTH: 'prod-entry-test-key-0001', ...sim.env, MEDIA_ALLOW_PRIVATE: 'true' })
  const socket = ioClient(gw.url, { auth: { key: gw.key }, transports: ['websocket'], reconnection: false })
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject))
    const qr = waitForEvent<{ token: string; qr: string }>(socket, 'qrcode', (e) => e.token === 'shop')
    const opened = waitForEvent<{ token: string; user: { id: string } }>(socket, 'connection-open', (e) => e.token === 'shop', 30_000)
    const created = await gw.api('POST', '/api/whatsapp/create-instance', { token: 'shop' })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const { phone } = await sim.control<{ phone: string }>('/scan', { qr: (await qr).qr })
    assert.match((await opened).user.id, new RegExp(`^${phone}`))

    const contact = await sim.control<{ number: string }>('/contacts', { name: 'Prod customer' })
    const text = await gw.api<{ key: { id: string } }>('POST', '/api/whatsapp/send-text', { token: 'shop', number: contact.number, text: 'hello from npm start' })
    assert.equal(text.status, 200, JSON.stringify(text.body))
    const got = await sim.control<{ text?: string }>(`/contacts/${contact.number}/wait`, { id: text.body.data?.key.id, timeoutMs: 15_000 })
    assert.equal(got.text, 'hello from npm start')

    // The upload goes to the simulator's HTTPS media host, trusted through WA_CA_FILE only.
    const media = await gw.api<{ key: { id: string } }>('POST', '/api/whatsapp/send-media', {
      token: 'shop', number: contact.number, type: 'image', base64: PNG_1PX, caption: 'pixel',
    })
    assert.equal(media.status, 200, JSON.stringify(media.body))
    const img = await sim.control<{ caption?: string; media?: { mimetype: string; size: number }; mediaError?: string }>(
      `/contacts/${contact.number}/wait`, { id: media.body.data?.key.id, timeoutMs: 15_000 })
    assert.equal(img.mediaError, undefined)
    assert.equal(img.caption, 'pixel')
    assert.equal(img.media?.size, Buffer.from(PNG_1PX, 'base64').length)
    assert.equal(await gw.stop(), 0)
  } finally {
    socket.close()
    gw.cleanup()
    const simExited = new Promise((resolve) => sim.child.once('exit', resolve))
    sim.child.kill('SIGTERM')
    await simExited
    rmSync(simDir, { recursive: true, force: true })
  }
})
