// CLI: run the simulator in its own process (e.g. for a benchmark).
//   SIM_PORT (default 0 = ephemeral), SIM_MEDIA_PORT, SIM_CONTROL_PORT, SIM_HOST, SIM_DATA_DIR, SIM_CA_FILE, SIM_LOG_LEVEL
// Prints one JSON line: {wsUrl, mediaHost, rootPublicKey (base64), caFile, controlUrl}; control API: control-server.ts.
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { startControlServer } from './control-server.js'
import { Simulator } from './index.js'

const sim = await Simulator.start({
	host: process.env.SIM_HOST ?? '127.0.0.1',
	port: Number(process.env.SIM_PORT ?? 0),
	mediaPort: Number(process.env.SIM_MEDIA_PORT ?? 0),
	dataDir: process.env.SIM_DATA_DIR || undefined,
	logger: pino({ level: process.env.SIM_LOG_LEVEL ?? 'warn' })
})
const caFile = process.env.SIM_CA_FILE ?? join(tmpdir(), `wa-simulator-ca-${process.pid}.pem`)
writeFileSync(caFile, sim.caPem)
const control = await startControlServer(sim, Number(process.env.SIM_CONTROL_PORT ?? 0))
console.log(
	JSON.stringify({ wsUrl: sim.wsUrl, mediaHost: sim.mediaHost, rootPublicKey: Buffer.from(sim.rootPublicKey).toString('base64'), caFile, controlUrl: control.url })
)

const shutdown = (): void => {
	control.server.close()
	sim.stop().then(
		() => process.exit(0),
		() => process.exit(1)
	)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
