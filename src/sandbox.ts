// `npm run sandbox`: the simulated WhatsApp network and the real gateway in one process, in
// sandbox mode. Build and test an integration with no phone: scan with POST /api/sandbox/scan.
import 'dotenv/config'
import { join } from 'node:path'
import { sandboxRoutes } from './http/routes/sandbox.js'
import { createLogger } from './logger.js'
import { loadConfigOrExit, runGateway } from './main.js'
import { routeConsoleToLogger } from './console-capture.js'
import { installProcessGuards } from './process-guards.js'
import { Simulator } from './simulator/index.js'

/** The contacts every sandbox starts with (kept across restarts through the simulator's data dir). */
const STARTER_CONTACTS = [
  { number: '15550100001', name: 'Alice (echo)', echo: true },
  { number: '15550100002', name: 'Bob (echo)', echo: true },
  { number: '15550100003', name: 'Carol' },
  { number: '15550100004', name: 'Dana (hidden number, echo)', hidePhone: true, echo: true },
  { number: '15550100009', name: 'Not on WhatsApp', onWhatsApp: false },
]

const config = loadConfigOrExit({ ...process.env, WA_SANDBOX: 'true' })
const logger = createLogger(config.logLevel)
installProcessGuards(logger) // before the simulator starts: nothing may end the process by a stray rejection
routeConsoleToLogger(logger, [config.auth, config.webhookSecret ?? '']) // the simulator's libsignal prints too
logger.info('starting the simulated WhatsApp network')
const sim = await Simulator.start({ dataDir: join(config.dataDir, 'simulator'), logger: logger.child({ component: 'simulator' }) })
for (const c of STARTER_CONTACTS) {
  if (!sim.contact(c.number)) await sim.createContact(c)
}
const gateway = await runGateway({
  config,
  logger,
  sandbox: { wsUrl: sim.wsUrl, rootPublicKey: sim.rootPublicKey, caPem: sim.caPem, mediaHost: sim.mediaHost, routes: (gw) => sandboxRoutes(gw, sim) },
})
const port = (gateway.server.address() as { port: number }).port
// The banner is for the human at the terminal; console.* goes to the log (see console-capture.ts).
const say = (line: string) => process.stdout.write(line + '\n')
say(`\nSandbox ready: dashboard http://localhost:${port}/  (simulated WhatsApp at ${sim.wsUrl})`)
say('Simulated contacts:')
for (const c of sim.contacts()) say(`  ${c.number}  ${c.name}${c.onWhatsApp ? '' : '  (not on WhatsApp)'}${c.hidePhone ? `  (writes as ${c.lid})` : ''}`)
say(`Sandbox state (apart from npm start's): ${config.dataDir}, credentials in ${config.credentialsDir}`)
say('Pair an instance: POST /api/whatsapp/create-instance {token}, then POST /api/sandbox/scan {token}')
say('  (or create it with {token, phone} and POST /api/sandbox/pair {token, code})\n')
process.once('exit', () => void sim.stop())
