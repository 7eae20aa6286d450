// Socket.IO: the handshake needs AUTH; a client of one room gets no event of another.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io, type Socket } from 'socket.io-client'
import { createApp, type GatewayApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { createLogger } from '../src/logger.js'

const AUTH = 'socket-auth-key-1'
let app: GatewayApp
let url = ''
let root = ''
const clients: Socket[] = []

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wagw-sock-'))
  const config = loadConfig({ AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: join(root, 'd'), CREDENTIALS_DIR: join(root, 'c') })
  app = await createApp({ config, logger: createLogger('silent') })
  url = `http://127.0.0.1:${await app.listen()}`
})
after(async () => {
  clients.forEach((c) => c.close())
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

function connect(opts: Parameters<typeof io>[1]): Promise<Socket> {
  const s = io(url, { transports: ['websocket'], reconnection: false, ...opts })
  clients.push(s)
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s))
    s.once('connect_error', reject)
  })
}

test('handshake without or with a wrong key is refused', async () => {
  await assert.rejects(connect({}), /unauthorized/)
  await assert.rejects(connect({ auth: { key: 'wrong' } }), /unauthorized/)
  await assert.rejects(connect({ extraHeaders: { authorization: `Basic ${Buffer.from('wrong:').toString('base64')}` } }), /unauthorized/)
})

test('handshake with the key or the Basic header is accepted', async () => {
  await connect({ auth: { key: AUTH } })
  await connect({ extraHeaders: { authorization: `Basic ${Buffer.from(`${AUTH}:`).toString('base64')}` } })
})

test('rooms: a client of one token gets no event of another; a client naming none gets all', async () => {
  const onlyA = await connect({ auth: { key: AUTH, tokens: ['a'] } })
  const viaSubscribe = await connect({ auth: { key: AUTH } })
  const ack = await viaSubscribe.emitWithAck('subscribe', { token: 'b' })
  assert.deepEqual(ack, { status: true, data: { token: 'b' } })
  const all = await connect({ auth: { key: AUTH } })
  const got = { onlyA: [] as string[], viaSubscribe: [] as string[], all: [] as string[] }
  onlyA.on('qrcode', (p: { token: string }) => got.onlyA.push(p.token))
  viaSubscribe.on('qrcode', (p: { token: string }) => got.viaSubscribe.push(p.token))
  // The marker event closes the test: Socket.IO keeps per-client order, so when each client has
  // seen its marker, every earlier event it could get has arrived.
  const seen = (s: Socket, token: string) => new Promise<void>((resolve) => s.on('qr-timeout', (p: { token: string }) => p.token === token && resolve()))
  const allDone = new Promise<void>((resolve) => all.on('qrcode', (p: { token: string }) => { got.all.push(p.token); if (got.all.length === 2) resolve() }))
  const markers = [seen(onlyA, 'a'), seen(viaSubscribe, 'b')]
  app.bus.emit('qrcode', { token: 'a', data: 'data:image/png;base64,AA', qr: 'q', attempt: 1 })
  app.bus.emit('qrcode', { token: 'b', data: 'data:image/png;base64,BB', qr: 'q', attempt: 1 })
  app.bus.emit('qr-timeout', { token: 'a', attempts: 1 })
  app.bus.emit('qr-timeout', { token: 'b', attempts: 1 })
  await Promise.all([...markers, allDone])
  assert.deepEqual(got.onlyA, ['a'])
  assert.deepEqual(got.viaSubscribe, ['b'])
  assert.deepEqual(got.all.sort(), ['a', 'b'])
})

test('auth.tokens: an empty, malformed or partly invalid list is refused at the handshake, not "all"', async () => {
  for (const tokens of [[], 'a', [''], ['a', '../x'], [42], {}]) {
    await assert.rejects(connect({ auth: { key: AUTH, tokens } }), /invalid tokens/, `tokens=${JSON.stringify(tokens)}`)
  }
})

test('auth.tokens is a limit: subscribe cannot go beyond it, and no other instance\'s events arrive', async () => {
  const limited = await connect({ auth: { key: AUTH, tokens: ['a'] } })
  const refused = await limited.emitWithAck('subscribe', { token: 'b' })
  assert.deepEqual(refused, { status: false, message: 'token "b" is not in this connection\'s auth.tokens' })
  assert.deepEqual(await limited.emitWithAck('subscribe', { token: 'a' }), { status: true, data: { token: 'a' } })
  const got: string[] = []
  limited.on('qrcode', (p: { token: string }) => got.push(p.token))
  const marker = new Promise<void>((resolve) => limited.on('qr-timeout', (p: { token: string }) => p.token === 'a' && resolve()))
  app.bus.emit('qrcode', { token: 'b', data: 'data:image/png;base64,BB', qr: 'q', attempt: 1 })
  app.bus.emit('qrcode', { token: 'a', data: 'data:image/png;base64,AA', qr: 'q', attempt: 1 })
  app.bus.emit('qr-timeout', { token: 'a', attempts: 1 })
  await marker
  assert.deepEqual(got, ['a'])
})
