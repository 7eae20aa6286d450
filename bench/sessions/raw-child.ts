// The reference: raw Baileys, one makeWASocket per account with Baileys' own useMultiFileAuthState
// (the README's way), against the bench simulator. Env: BENCH_SIM_*, BENCH_AUTH_ROOT (one folder per
// socket), BENCH_MODE = 'pair' (wait for {type:'pair', n} and pair n new sockets by QR) or 'boot'
// (reconnect every saved folder), BENCH_RAW_CONCURRENCY (sockets pairing at once; 0 = all at once).
// Reports QRs and opens over IPC; the orchestrator scans through the simulator's control API.
import { mkdirSync, readdirSync } from 'node:fs'
import { Agent } from 'node:https'
import { join } from 'node:path'
import { DisconnectReason, makeWASocket, useMultiFileAuthState, WA_CERT_DETAILS, type WASocket } from '@whiskeysockets/baileys'
import pino from 'pino'
import { listenToParent, simLinkFromEnv, toParent } from './child-common.js'
import { READY_PREFIX } from './ipc.js'

const MAX_FAILURES = 10
const RETRY_MS = 1000

const link = simLinkFromEnv()
const root = process.env.BENCH_AUTH_ROOT
if (!root) throw new Error('BENCH_AUTH_ROOT is required')
const mode = process.env.BENCH_MODE ?? 'pair'
const concurrency = Number(process.env.BENCH_RAW_CONCURRENCY ?? 0)

// Bench only: trust the simulator's Noise root, as sandbox mode does in the gateway.
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(link.rootPublicKey)
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' })
const fetchAgent = new Agent({ ca: link.caPem, keepAlive: true })
const sockets = new Map<string, WASocket>()
let stopping = false

/** One account: connect, reconnect on 515 (Baileys never does by itself) and on drops. */
async function run(id: string, onFirstOpen: () => void): Promise<void> {
  const { state, saveCreds } = await useMultiFileAuthState(join(root!, id))
  let failures = 0
  let opened = false
  const connect = () => {
    if (stopping) return
    const sock = makeWASocket({
      auth: state,
      waWebSocketUrl: link.wsUrl,
      logger,
      fetchAgent,
      markOnlineOnConnect: false,
      syncFullHistory: false,
      shouldSyncHistoryMessage: () => false,
    })
    sockets.set(id, sock)
    sock.ev.on('creds.update', saveCreds)
    sock.ev.on('connection.update', ({ qr, connection, lastDisconnect }) => {
      if (qr) toParent({ type: 'qr', id, qr })
      if (connection === 'open') {
        failures = 0
        toParent({ type: 'open', id })
        if (!opened) onFirstOpen()
        opened = true
      }
      if (connection !== 'close' || stopping) return
      const code = (lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode
      if (code === DisconnectReason.restartRequired) return connect()
      if (code === DisconnectReason.loggedOut || ++failures > MAX_FAILURES) {
        return toParent({ type: 'failed', id, reason: `${lastDisconnect?.error?.message ?? 'closed'} (${code})` })
      }
      setTimeout(connect, RETRY_MS)
    })
  }
  connect()
}

/** Starts `ids`, at most `limit` not yet open at a time (0 = all at once). */
function startAll(ids: string[], limit: number): void {
  const queue = [...ids]
  const next = () => {
    const id = queue.shift()
    if (id) void run(id, next).catch((err: unknown) => toParent({ type: 'failed', id, reason: String(err) }))
  }
  const first = limit > 0 ? Math.min(limit, ids.length) : ids.length
  for (let i = 0; i < first; i++) next()
}

mkdirSync(root, { recursive: true })
// Baileys fires saveCreds / key writes without awaiting them: with hundreds of sockets a write can fail
// (EMFILE). Count it and go on, so the bench reports it instead of dying; a lost write shows at reboot.
process.on('unhandledRejection', (err) => toParent({ type: 'error', message: String(err) }))
listenToParent((m) => {
  if (m.type === 'pair') startAll(Array.from({ length: m.n }, (_, i) => `raw-${String(i + 1).padStart(4, '0')}`), concurrency)
})
process.once('SIGTERM', () => {
  stopping = true
  for (const sock of sockets.values()) void sock.end(undefined).catch(() => undefined)
  // let pending useMultiFileAuthState writes land before leaving
  setTimeout(() => process.exit(0), 500)
})
console.log(READY_PREFIX + JSON.stringify({ pid: process.pid }))
if (mode === 'boot') startAll(readdirSync(root), 0)
