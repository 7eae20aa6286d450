// The simulated WhatsApp network in its own process (so its memory and CPU are not counted as the
// gateway's), plus a tiny control API on 127.0.0.1: POST /scan {qr} → {phone}.
// Prints one ready line: BENCH_READY {wsUrl, rootPublicKey (base64), caFile, controlPort}.
import { writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Simulator } from '../../src/simulator/index.js'
import { READY_PREFIX, type SimInfo } from './ipc.js'

const dir = process.env.BENCH_SIM_DIR
if (!dir) throw new Error('BENCH_SIM_DIR is required (a temp folder for the CA file)')

const sim = await Simulator.start({ port: 0 })
const caFile = join(dir, 'sim-ca.pem')
writeFileSync(caFile, sim.caPem)

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
}

const control = createServer((req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  if (req.method === 'POST' && req.url === '/scan') {
    readJson(req)
      .then(async ({ qr, phone }) => {
        if (typeof qr !== 'string') return reply(400, { error: 'qr (string) is required' })
        reply(200, await sim.scanQr(qr, typeof phone === 'string' ? phone : undefined))
      })
      .catch((err: unknown) => reply(500, { error: err instanceof Error ? err.message : String(err) }))
    return
  }
  if (req.method === 'GET' && req.url === '/health') return reply(200, { accounts: sim.accounts().length })
  reply(404, { error: `no route ${req.method} ${req.url}` })
})
control.keepAliveTimeout = 60_000
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))

const info: SimInfo = {
  wsUrl: sim.wsUrl,
  rootPublicKey: Buffer.from(sim.rootPublicKey).toString('base64'),
  caFile,
  controlPort: (control.address() as AddressInfo).port,
}
console.log(READY_PREFIX + JSON.stringify(info))

let stopping = false
const shutdown = () => {
  if (stopping) return
  stopping = true
  control.closeAllConnections()
  control.close()
  sim.stop().then(() => process.exit(0), () => process.exit(1))
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
// the orchestrator died without telling us: do not linger
process.on('disconnect', shutdown)
