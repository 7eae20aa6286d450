// `npm start`: config → app → listen → autostart saved instances; graceful shutdown on signals.
import 'dotenv/config'
import { createApp, type AppOptions, type GatewayApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config/index.js'
import { warnIfUnsupportedNode } from './util/runtime.js'

export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
}

/** Starts an app, prints how to reach it, and closes it cleanly on SIGINT/SIGTERM. */
export async function runGateway(opts: AppOptions): Promise<GatewayApp> {
  const gateway = await createApp(opts)
  const { config, logger } = gateway
  const port = await gateway.listen()
  const url = `http://localhost:${port}`
  if (config.authGenerated) {
    console.log(`\nNo AUTH in .env: using the generated key stored in ${config.dataDir}/auth-key`)
    console.log(`  AUTH=${config.auth}`)
    console.log(`  e.g. curl -u "${config.auth}:" ${url}/api/whatsapp/instances\n`)
  }
  logger.info({ url }, `gateway listening; dashboard at ${url}/`)
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down')
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  return gateway
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '')
if (isEntry) {
  warnIfUnsupportedNode()
  const config = loadConfigOrExit()
  if (config.sandbox) {
    console.error('WA_SANDBOX=true: use `npm run sandbox`, which starts the simulator beside the gateway')
    process.exit(1)
  }
  await runGateway({ config })
}
