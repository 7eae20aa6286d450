// Process-level safety net of the entry points (npm start, npm run sandbox): a promise rejection
// nobody handled is logged — with the instance token when it came from one — and the gateway keeps
// serving every other instance instead of exiting.
import type { Logger } from './logger.js'
import { currentInstance } from './util/instance-context.js'

let installed = false

export function installProcessGuards(logger: Logger): void {
  if (installed) return
  installed = true
  process.on('unhandledRejection', (reason) => {
    const token = currentInstance()
    const err = reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason)
    logger.error({ ...(token ? { token } : {}), err }, 'unhandled promise rejection; the gateway keeps running')
  })
}
