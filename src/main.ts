// `npm start`: config → app → listen → autostart saved instances; graceful shutdown on signals.
import 'dotenv/config'
import { createApp, type AppOptions, type GatewayApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config/index.js'
import { routeConsoleToLogger } from './console-capture.js'
import { installProcessGuards } from './process-guards.js'
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
  installProcessGuards(logger) // one instance's stray rejection must not end the process
  routeConsoleToLogger(logger, [config.auth, config.webhookSecret ?? '']) // libsignal prints sessions with their keys
  const port = await gateway.listen()
  const url = `http://localhost:${port}`
  if (config.authGenerated) {
    // The key itself never goes to stdout (logs are often shipped elsewhere): only where it is.
    const file = `${config.dataDir}/auth-key`
    process.stdout.write(`\nNo AUTH in .env: using the generated key stored in ${file} (readable by this user only)\n`)
    process.stdout.write(`  e.g. curl -u "$(cat ${file}):" ${url}/api/whatsapp/instances\n\n`)
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
