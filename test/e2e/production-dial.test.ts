// The production entry (node dist/main.js, what `npm start` runs) with no WhatsApp settings dials
// Baileys' own wss://web.whatsapp.com/ws/chat and checks WhatsApp's real Noise root key. Offline:
// a preload sends TLS for web.whatsapp.com:443 to a local listener that records the SNI and the
// WebSocket request, then hands the stream to the simulator, whose root WhatsApp's key must refuse.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as netConnect } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type TLSSocket } from 'node:tls'
import { pathToFileURL } from 'node:url'
import type { AddressInfo } from 'node:net'
import { generate as generateSelfSigned } from 'selfsigned'
import { Simulator } from '../../src/simulator/index.js'
import { startGatewayProcess, until } from '../helpers/gateway-process.js'

interface Dial { servername: string | false | null; requestLine: string; host: string }

/** A TLS listener posing as web.whatsapp.com (its cert is trusted by the child only). */
async function fakeWhatsAppFront(forwardPort: number) {
  const pems = generateSelfSigned([{ name: 'commonName', value: 'web.whatsapp.com' }], {
    days: 1, keySize: 2048, algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: 'web.whatsapp.com' }] }],
  } as Parameters<typeof generateSelfSigned>[1])
  const dials: Dial[] = []
  const server = createServer({ key: pems.private, cert: pems.cert }, (tlsSocket: TLSSocket) => {
    tlsSocket.once('data', (first: Buffer) => {
      const head = first.toString('latin1')
      dials.push({
        servername: tlsSocket.servername,
        requestLine: head.split('\r\n')[0] ?? '',
        host: /\r\nhost: *([^\r\n]+)/i.exec(head)?.[1] ?? '',
      })
      const upstream = netConnect(forwardPort, '127.0.0.1', () => {
        upstream.write(first)
        tlsSocket.pipe(upstream).pipe(tlsSocket)
      })
      upstream.on('error', () => tlsSocket.destroy())
      tlsSocket.on('error', () => upstream.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, dials, port: (server.address() as AddressInfo).port, caPem: pems.cert }
}

test('npm start with no WhatsApp settings dials wss://web.whatsapp.com/ws/chat, refuses a foreign Noise root, and reconnects', async () => {
  const sim = await Simulator.start()
  const front = await fakeWhatsAppFront(Number(new URL(sim.wsUrl).port))
  // The child trusts the fake front's certificate only through NODE_EXTRA_CA_CERTS.
  const caDir = mkdtempSync(join(tmpdir(), 'wagw-front-'))
  writeFileSync(join(caDir, 'front.pem'), front.caPem)
  const gw = await startGatewayProcess(
    {
      AUTH: 'prod-dial-test-key-0001', LOG_LEVEL: 'info', RECONNECT_BASE_MS: '50', RECONNECT_CAP_MS: '200',
      DIAL_REDIRECT_PORT: String(front.port), NODE_EXTRA_CA_CERTS: join(caDir, 'front.pem'),
    },
    ['--import', pathToFileURL(join(process.cwd(), 'test/helpers/dial-redirect.mjs')).href],
  )
  try {
    const created = await gw.api<{ state: string }>('POST', '/api/whatsapp/create-instance', { token: 'prod' })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const info = await until('a Noise failure reported in lastError', async () => {
      const r = await gw.api<{ state: string; lastError: string | null }>('GET', '/api/whatsapp/instances/prod')
      return r.body.data?.lastError ? r.body.data : undefined
    })
    assert.match(info.lastError ?? '', /certificate|noise/i, 'the simulator is not WhatsApp: its Noise root must be refused')
    assert.notEqual(info.state, 'open')
    await until('a reconnect after the failure', () => (front.dials.length >= 2 ? true : undefined))
    const dial = front.dials[0]!
    assert.equal(dial.servername, 'web.whatsapp.com', 'TLS SNI')
    assert.equal(dial.host, 'web.whatsapp.com', 'HTTP Host header')
    assert.match(dial.requestLine, /^GET \/ws\/chat HTTP\/1\.1$/, 'WebSocket request path')
    assert.doesNotMatch(gw.output(), /TypeError/)
    assert.equal(await gw.stop(), 0)
  } finally {
    gw.cleanup()
    front.server.close()
    await sim.stop()
    rmSync(caDir, { recursive: true, force: true })
  }
})
