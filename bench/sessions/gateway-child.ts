// The real gateway (createApp from src/app.ts) in its own process, in sandbox mode against the bench
// simulator. Env: the gateway's own variables (AUTH, CREDENTIALS_DIR, DATA_DIR, …) + BENCH_SIM_*.
// Listens on an ephemeral port, prints BENCH_READY {port}, then autostarts saved instances like
// `npm start` does. SIGTERM closes it the way main.ts does.
import { createApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/index.js'
import { listenToParent, simLinkFromEnv } from './child-common.js'
import { READY_PREFIX } from './ipc.js'

const config = loadConfig(process.env)
const gateway = await createApp({ config, sandbox: simLinkFromEnv() })
process.once('SIGTERM', () => {
  gateway.close().then(() => process.exit(0), () => process.exit(1))
})
const port = await gateway.listen()
listenToParent()
console.log(READY_PREFIX + JSON.stringify({ port }))
await gateway.sessions.autostart()
