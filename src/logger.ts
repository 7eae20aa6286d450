import pino from 'pino'

export type Logger = pino.Logger

/** Secrets and message bodies never reach the log at info: pino redacts these paths everywhere. */
const REDACT = [
  'auth', 'AUTH', 'secret', 'password', 'authorization', 'headers.authorization', 'req.headers.authorization',
  'creds', 'keys', 'message.message', 'text', 'qr',
]

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } })
}
