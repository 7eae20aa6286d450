// `npm run simulator`: the simulated WhatsApp network in its own process, for a normal gateway
// (`npm start`) to dial through configuration alone, or for a benchmark.
//   SIM_PORT (default 0 = ephemeral), SIM_MEDIA_PORT, SIM_CONTROL_PORT, SIM_HOST,
//   SIM_DATA_DIR (default ./data/simulator: accounts and contacts survive a restart),
//   SIM_CA_FILE (default <SIM_DATA_DIR>/ca.pem), SIM_LOG_LEVEL
// Prints one JSON line {wsUrl, mediaHost, rootPublicKey (base64), caFile, controlUrl}, then the
// three variables a gateway needs; control API: control-server.ts.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import pino from 'pino'
import { startControlServer } from './control-server.js'
import { Simulator } from './index.js'

const dataDir = resolve(process.env.SIM_DATA_DIR || './data/simulator')
mkdirSync(dataDir, { recursive: true })
const sim = await Simulator.start({
	host: process.env.SIM_HOST ?? '127.0.0.1',
	port: Number(process.env.SIM_PORT ?? 0),
	mediaPort: Number(process.env.SIM_MEDIA_PORT ?? 0),
	dataDir,
	logger: pino({ level: process.env.SIM_LOG_LEVEL ?? 'warn' })
})
const caFile = resolve(process.env.SIM_CA_FILE ?? join(dataDir, 'ca.pem'))
writeFileSync(caFile, sim.caPem)
const control = await startControlServer(sim, Number(process.env.SIM_CONTROL_PORT ?? 0))
const rootPublicKey = Buffer.from(sim.rootPublicKey).toString('base64')
console.log(JSON.stringify({ wsUrl: sim.wsUrl, mediaHost: sim.mediaHost, rootPublicKey, caFile, controlUrl: control.url }))
console.log(`
Simulated WhatsApp network ready (state in ${dataDir}).
Point a gateway at it with these variables (in .env, or the environment of \`npm start\`):

WA_WS_URL=${sim.wsUrl}
WA_ROOT_PUBLIC_KEY=${rootPublicKey}
WA_CA_FILE=${caFile}

Control API (the simulated phones): ${control.url}
  POST /scan {qr}                  scan a QR from the gateway's "qrcode" event → {phone}
  POST /pairing-code {phone, code} enter a pairing code on that phone
  POST /contacts {number?, name?}  add a contact; GET /contacts/:number/messages what it received
`)

const shutdown = (): void => {
	control.server.close()
	sim.stop().then(
		() => process.exit(0),
		() => process.exit(1)
	)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
