// One typed, validated configuration object built from the environment (.env is loaded by main.ts).
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ALL_EVENTS } from '../events/bus.js'
import type { SyncHistoryMode } from '../sessions/history-mode.js'
import { writeFileAtomicSync } from '../util/atomic-write.js'

export interface Config {
  port: number
  host: string
  /** HTTP Basic user name (password empty) for every route and the Socket.IO handshake. */
  auth: string
  /** True when AUTH was not set and a key was generated (and kept in DATA_DIR/auth-key). */
  authGenerated: boolean
  origin: string
  webhook?: string
  webhookSecret?: string
  /** Events the global WEBHOOK receives (bus event names, or '*'). */
  webhookEvents: string[]
  /** Webhook delivery: retry backoff base/cap (ms), attempts before `dead`, request timeout, parallel lanes, days delivered rows are kept. */
  webhookRetryBaseMs: number
  webhookRetryCapMs: number
  webhookMaxAttempts: number
  webhookTimeoutMs: number
  webhookConcurrency: number
  webhookKeepDays: number
  /** Events to RabbitMQ (AMQP 0-9-1): broker URL (unset = off), topic exchange, events ('*' = all), reconnect/retry backoff base/cap (ms). */
  amqpUrl?: string
  amqpExchange: string
  amqpEvents: string[]
  amqpRetryBaseMs: number
  amqpRetryCapMs: number
  /** Random delay between bulk sends, in seconds. */
  min: number
  max: number
  credentialsDir: string
  schedulerFile: string
  dataDir: string
  store: boolean
  mediaMaxBytes: number
  mediaAllowPrivate: boolean
  /** false: webhook URLs (global and per instance) obey the media address policy, at set time and on every delivery. */
  webhookAllowPrivate: boolean
  mediaTimeoutMs: number
  maxReconnects: number
  reconnectBaseMs: number
  reconnectCapMs: number
  /** Seconds without a frame before an open instance is probed (and restarted if the probe fails); 0 = off. */
  watchdogSeconds: number
  /** SYNC_HISTORY: how much chat history the phone sends on link (docs/history.md) */
  syncHistory: SyncHistoryMode
  /** REJECT_CALLS: reject incoming calls (instances may override); REJECT_CALLS_MESSAGE: text sent to the caller */
  rejectCalls: boolean
  rejectCallsMessage?: string
  qrMaxRefreshes: number
  /** How long each QR lives before Baileys shows the next one (unset: WhatsApp Web's 60 s, then 20 s). */
  qrTimeoutMs?: number
  pairingConcurrency: number
  /** Saved instances reconnecting at once on boot. */
  autostartConcurrency: number
  bodyLimit: string
  /** Limit of JSON/form bodies of routes without base64 media (BODY_LIMIT applies to those). */
  jsonLimit: string
  logLevel: string
  sandbox: boolean
  /** Proxy of every instance that has none of its own (socks5://, socks4://, http://, https://). */
  proxy?: string
  /** Override of Baileys' WebSocket URL (the simulator's, in sandbox runs and benchmarks). */
  waWebSocketUrl?: string
  /** Override of WhatsApp's Noise root public key (32 bytes): only to dial a simulated network. */
  waRootPublicKey?: Uint8Array
  /** Extra CA (PEM) trusted for the media host besides the system roots: only for a simulated network. */
  waCaPem?: string
  /** Failed auth attempts one IP may make per 15 minutes before it gets 429s. */
  authFailLimit: number
  /** Instances this node accepts (create-instance beyond it is refused). */
  maxInstances: number
  /** Shortest interval between two runs of a scheduled job, in seconds (0 = no limit). */
  schedulerMinIntervalS: number
  schedulerMaxJobs: number
  /** Unfinished bulk batches one instance may have queued at once. */
  maxQueuedBatches: number
  /** How long an Idempotency-Key and its stored answer are kept. */
  idempotencyTtlHours: number
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} ${detail}`)
  }
}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim()
  return v === undefined || v === '' ? undefined : v
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name)
  if (raw === undefined) return def
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`)
  return n
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name)?.toLowerCase()
  if (raw === undefined) return def
  if (['true', '1', 'yes', 'on'].includes(raw)) return true
  if (['false', '0', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(name, `must be true or false, got "${raw}"`)
}

/** off | recent (default) | full; the old true/false still mean recent/off. */
function syncHistoryMode(env: Env, name: string): SyncHistoryMode {
  const raw = str(env, name)?.toLowerCase()
  if (raw === undefined) return 'recent'
  if (raw === 'off' || raw === 'recent' || raw === 'full') return raw
  if (['true', '1', 'yes', 'on'].includes(raw)) return 'recent'
  if (['false', '0', 'no'].includes(raw)) return 'off'
  throw new ConfigError(name, `must be off, recent or full, got "${raw}"`)
}

/** A comma list of bus event names a webhook may receive (webhook-delivery itself would loop), or '*'. */
function webhookEvents(env: Env, name: string, def: string): string[] {
  const list = (str(env, name) ?? def).split(',').map((e) => e.trim()).filter(Boolean)
  const known = ['*', ...ALL_EVENTS.filter((e) => e !== 'webhook-delivery')]
  const bad = list.filter((e) => !known.includes(e))
  if (bad.length) throw new ConfigError(name, `has unknown events ${bad.join(', ')}; known: ${known.join(', ')}`)
  return list
}

/** An exchange name as AMQP 0-9-1 allows it (up to 255 of letters, digits, '-', '_', '.', ':'); not the default exchange. */
function amqpExchange(env: Env): string {
  const name = str(env, 'AMQP_EXCHANGE') ?? 'whatsapp'
  if (!/^[\w.:-]{1,255}$/.test(name) || name.startsWith('amq.')) {
    throw new ConfigError('AMQP_EXCHANGE', `must be 1-255 letters, digits, "-", "_", ".", ":" and not start with "amq.", got "${name}"`)
  }
  return name
}

/** A 32-byte Curve25519 public key, base64 or hex. */
function publicKey(env: Env, name: string): Uint8Array | undefined {
  const raw = str(env, name)
  if (raw === undefined) return undefined
  const bytes = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64')
  if (bytes.length !== 32) throw new ConfigError(name, `must be a 32-byte public key in base64 or hex, got ${bytes.length} bytes`)
  return new Uint8Array(bytes)
}

function pemFile(env: Env, name: string, cwd: string): string | undefined {
  const raw = str(env, name)
  if (raw === undefined) return undefined
  let pem: string
  try {
    pem = readFileSync(resolve(cwd, raw), 'utf8')
  } catch (err) {
    throw new ConfigError(name, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): "${raw}"`)
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(name, `must be a PEM certificate file, got "${raw}"`)
  return pem
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name)
  if (raw === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`)
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${raw}"`)
  return raw
}

const AUTH_MIN_LENGTH = 16

/** AUTH from the env, or one generated once and kept in DATA_DIR so restarts keep the same key. */
function resolveAuth(env: Env, dataDir: string): { auth: string; generated: boolean } {
  const auth = str(env, 'AUTH')
  if (auth !== undefined) {
    if (auth.length < AUTH_MIN_LENGTH) {
      throw new ConfigError('AUTH', `must be at least ${AUTH_MIN_LENGTH} characters; generate one with: openssl rand -base64 24  (or: node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))")`)
    }
    if (auth.includes(':')) throw new ConfigError('AUTH', 'must not contain ":" (it is the Basic auth user name)')
    return { auth, generated: false }
  }
  const file = join(dataDir, 'auth-key')
  if (existsSync(file)) return { auth: readFileSync(file, 'utf8').trim(), generated: true }
  const generated = randomBytes(24).toString('base64url')
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  writeFileAtomicSync(file, generated + '\n', 0o600)
  return { auth: generated, generated: true }
}

/** Where `npm run sandbox` keeps everything (credentials, db, scheduler, simulator) by default. */
export const SANDBOX_STATE_DIR = './data/sandbox'
/** '512kb' → bytes (the forms BODY_LIMIT and JSON_LIMIT accept). */
const sizeBytes = (v: string) => {
  const [, n, unit] = /^(\d+)(b|kb|mb)$/i.exec(v)!
  return Number(n) * ({ b: 1, kb: 1024, mb: 1024 * 1024 } as Record<string, number>)[unit.toLowerCase()]
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  // The sandbox keeps its state apart, so `npm start` never autostarts a simulated account
  // against real WhatsApp; a variable the user sets explicitly still wins.
  const sandbox = bool(env, 'WA_SANDBOX', false)
  const stateDir = (sandboxDefault: string, normalDefault: string) => (sandbox ? join(SANDBOX_STATE_DIR, sandboxDefault) : normalDefault)
  const dataDir = resolve(cwd, str(env, 'DATA_DIR') ?? stateDir('.', './data'))
  const min = int(env, 'MIN', 10, 0, 86_400)
  const max = int(env, 'MAX', 30, 0, 86_400)
  if (max < min) throw new ConfigError('MAX', `must be >= MIN (${min}), got ${max}`)
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)
  const bodyLimit = str(env, 'BODY_LIMIT') ?? '100mb'
  if (!/^\d+(b|kb|mb)$/i.test(bodyLimit)) throw new ConfigError('BODY_LIMIT', `must look like 512kb or 100mb, got "${bodyLimit}"`)
  const jsonLimitRaw = str(env, 'JSON_LIMIT') ?? '1mb'
  if (!/^\d+(b|kb|mb)$/i.test(jsonLimitRaw)) throw new ConfigError('JSON_LIMIT', `must look like 512kb or 1mb, got "${jsonLimitRaw}"`)
  const jsonLimit = sizeBytes(jsonLimitRaw) > sizeBytes(bodyLimit) ? bodyLimit : jsonLimitRaw // never above BODY_LIMIT
  const { auth, generated } = resolveAuth(env, dataDir)
  return {
    port: int(env, 'PORT', 3000, 0, 65_535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    auth,
    authGenerated: generated,
    origin: str(env, 'ORIGIN') ?? 'http://localhost',
    webhook: url(env, 'WEBHOOK', ['http:', 'https:']),
    webhookSecret: str(env, 'WEBHOOK_SECRET'),
    webhookEvents: webhookEvents(env, 'WEBHOOK_EVENTS', 'message-upsert'),
    webhookRetryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 1000, 1, 3_600_000),
    webhookRetryCapMs: int(env, 'WEBHOOK_RETRY_CAP_MS', 300_000, 1, 86_400_000),
    webhookMaxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 15, 1, 10_000),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000),
    webhookConcurrency: int(env, 'WEBHOOK_CONCURRENCY', 8, 1, 256),
    webhookKeepDays: int(env, 'WEBHOOK_KEEP_DAYS', 7, 0, 3650),
    amqpUrl: url(env, 'AMQP_URL', ['amqp:', 'amqps:']),
    amqpExchange: amqpExchange(env),
    amqpEvents: webhookEvents(env, 'AMQP_EVENTS', '*'),
    amqpRetryBaseMs: int(env, 'AMQP_RETRY_BASE_MS', 1000, 1, 3_600_000),
    amqpRetryCapMs: int(env, 'AMQP_RETRY_CAP_MS', 30_000, 1, 86_400_000),
    min,
    max,
    credentialsDir: resolve(cwd, str(env, 'CREDENTIALS_DIR') ?? stateDir('credentials', './credentials')),
    schedulerFile: resolve(cwd, str(env, 'SCHEDULER_FILE') ?? stateDir('scheduler.json', './scheduler.json')),
    dataDir,
    store: bool(env, 'STORE', true),
    mediaMaxBytes: int(env, 'MEDIA_MAX_BYTES', 64 * 1024 * 1024, 1, 2 * 1024 * 1024 * 1024),
    mediaAllowPrivate: bool(env, 'MEDIA_ALLOW_PRIVATE', false),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', true),
    mediaTimeoutMs: int(env, 'MEDIA_TIMEOUT_MS', 30_000, 100, 600_000),
    maxReconnects: int(env, 'MAX_RECONNECTS', 10, 1, 1000),
    reconnectBaseMs: int(env, 'RECONNECT_BASE_MS', 1000, 1, 600_000),
    reconnectCapMs: int(env, 'RECONNECT_CAP_MS', 60_000, 1, 3_600_000),
    watchdogSeconds: int(env, 'WATCHDOG_SECONDS', 90, 0, 86_400),
    syncHistory: syncHistoryMode(env, 'SYNC_HISTORY'),
    rejectCalls: bool(env, 'REJECT_CALLS', false),
    rejectCallsMessage: str(env, 'REJECT_CALLS_MESSAGE'),
    qrMaxRefreshes: int(env, 'QR_MAX_REFRESHES', 5, 1, 100),
    qrTimeoutMs: str(env, 'QR_TIMEOUT_MS') === undefined ? undefined : int(env, 'QR_TIMEOUT_MS', 0, 100, 600_000),
    pairingConcurrency: int(env, 'PAIRING_CONCURRENCY', 8, 1, 256),
    autostartConcurrency: int(env, 'AUTOSTART_CONCURRENCY', 16, 1, 1024),
    bodyLimit,
    jsonLimit,
    logLevel,
    sandbox,
    waWebSocketUrl: url(env, 'WA_WS_URL', ['ws:', 'wss:']),
    proxy: url(env, 'PROXY', ['socks5:', 'socks5h:', 'socks4:', 'socks4a:', 'http:', 'https:']),
    waRootPublicKey: publicKey(env, 'WA_ROOT_PUBLIC_KEY'),
    waCaPem: pemFile(env, 'WA_CA_FILE', cwd),
    authFailLimit: int(env, 'AUTH_FAIL_LIMIT', 30, 1, 1_000_000),
    maxInstances: int(env, 'MAX_INSTANCES', 1000, 1, 1_000_000),
    schedulerMinIntervalS: int(env, 'SCHEDULER_MIN_INTERVAL_S', 60, 0, 86_400),
    schedulerMaxJobs: int(env, 'SCHEDULER_MAX_JOBS', 1000, 1, 1_000_000),
    maxQueuedBatches: int(env, 'MAX_QUEUED_BATCHES', 50, 1, 100_000),
    idempotencyTtlHours: int(env, 'IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 365),
  }
}
