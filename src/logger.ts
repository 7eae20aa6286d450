import pino from 'pino'

export type Logger = pino.Logger

/** Secrets and message bodies never reach the log at info: pino redacts these paths everywhere. */
const KEY_MATERIAL = ['privKey', 'rootKey', 'chainKey', 'noiseKey', 'signedIdentityKey', 'signedPreKey', 'advSecretKey', 'pairingEphemeralKeyPair', 'webhookSecret']
const REDACT = [
  'auth', 'AUTH', 'secret', 'password', 'authorization', 'headers.authorization', 'req.headers.authorization',
  'creds', 'keys', 'message.message', 'text', 'qr',
  '*.auth', '*.secret', '*.creds', '*.keys',
  // Key material, where a dependency hands an object holding it to the log (one and two levels down).
  ...KEY_MATERIAL.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
]

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } })
}
