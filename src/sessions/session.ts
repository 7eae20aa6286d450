// One WhatsApp account: owns ONE Baileys socket at a time and its whole life — connect, QR or
// pairing code, 515 restart, backoff on drops, 401 logout, `failed` after too many tries.
import type { Agent } from 'node:https'
import { DisconnectReason, makeWASocket } from '@whiskeysockets/baileys'
import type { ConnectionState, WAMessageContent, WAMessageKey, WASocket } from '@whiskeysockets/baileys'
import QRCode from 'qrcode'
import { AppError } from '../errors.js'
import type { EventBus, SessionState, SessionUser } from '../events/bus.js'
import type { Logger } from '../logger.js'
import { backoffDelay } from '../util/backoff.js'
import { runAsInstance } from '../util/instance-context.js'
import type { LoadGate } from '../util/load-gate.js'
import type { Semaphore } from '../util/semaphore.js'
import { isPaired, type AuthHandle, type AuthStore } from './auth-state.js'
import type { SyncHistoryMode } from './history-mode.js'
import { socketConfig } from './socket-config.js'
import { Watchdog } from './watchdog.js'
import { proxyAgent } from './proxy.js'

/** Something that wants every socket of every session (store ingestion, metrics). */
export interface SessionObserver {
  attach(token: string, sock: WASocket): void
}

export interface SessionDeps {
  authStore: AuthStore
  bus: EventBus
  logger: Logger
  pairingLimiter: Semaphore
  /** Logins of saved accounts (reconnects after a drop) wait here: it admits fewer while the process lags. */
  loginGate?: LoadGate
  observers: SessionObserver[]
  getMessage?: (token: string, key: WAMessageKey) => Promise<WAMessageContent | undefined>
  /** A creds.json save failed (disk full, permission): counted by the metrics. */
  onCredsWriteError?: (token: string, err: unknown) => void
  options: {
    maxReconnects: number
    qrMaxRefreshes: number
    qrTimeoutMs?: number
    syncHistory: SyncHistoryMode
    reconnectBaseMs: number
    reconnectCapMs: number
    /** Silence (ms) after which an open socket is probed with a ping, and restarted without an answer; 0 = off. */
    watchdogMs: number
    waWebSocketUrl?: string
    /** Sandbox: trust the simulator's media host for uploads. */
    fetchAgent?: Agent
    /** An extra CA for the media host (the simulator), also used through a proxy. */
    caPem?: string
    /** PROXY: the proxy of instances that have none of their own. */
    defaultProxy?: string
  }
}

export class Session {
  state: SessionState = 'closed'
  user?: SessionUser
  qr?: string
  qrDataUrl?: string
  pairingCode?: string
  lastError?: string
  /** Set while the latest creds.json save failed: it stays the lastError until a save succeeds. */
  private credsWriteError?: string
  private sock?: WASocket
  private auth?: AuthHandle
  private failures = 0
  private qrCount = 0
  private reconnectTimer?: NodeJS.Timeout
  private watchdog?: Watchdog
  private releaseLoginSlot?: () => void
  private loginSlotGuard?: NodeJS.Timeout
  private disposed = false
  private releasePairingSlot?: () => void
  private pairingPhone?: string
  /** The pending create-instance {phone} call(s): settled with the code, or when the connection gives up. */
  private pairingCodeWaiter?: { promise: Promise<string>; resolve: (code: string) => void; reject: (err: Error) => void }
  /** Set while we close the socket on purpose, so its close event does not trigger a reconnect. */
  private closingOnPurpose = false
  private readonly log: Logger

  constructor(readonly token: string, private readonly deps: SessionDeps) {
    this.log = deps.logger.child({ token })
  }

  /** This instance's own proxy (undefined: PROXY, if set, or none). */
  proxy?: string

  /** The proxy this instance dials through now, if any. */
  get effectiveProxy(): string | undefined {
    return this.proxy ?? this.deps.options.defaultProxy
  }

  /** The websocket and upload agents: through the proxy when there is one. */
  private agents(): { wsAgent?: Agent; fetchAgent?: Agent } {
    const { options } = this.deps
    const proxy = this.effectiveProxy
    if (!proxy) return { fetchAgent: options.fetchAgent }
    const tls = options.caPem ? { ca: options.caPem } : {}
    return { wsAgent: proxyAgent(proxy, tls), fetchAgent: proxyAgent(proxy, tls) }
  }

  get socket(): WASocket | undefined {
    return this.sock
  }

  /** Starts (or keeps) the connection; with `phone`, resolves with the pairing code instead of QRs. */
  async start(phone?: string): Promise<{ pairingCode?: string }> {
    if (phone && this.auth && isPaired(this.auth.state.creds)) {
      return {}
    }
    if (phone) {
      this.pairingPhone = phone
      // A second call while a code is on its way shares that wait instead of orphaning it.
      let waiter = this.pairingCodeWaiter
      if (!waiter) {
        waiter = this.pairingCodeWaiter = newWaiter()
        if (this.state === 'closed' || this.state === 'failed' || this.state === 'logged-out') await this.connect()
        else if (this.state === 'qr' && this.sock) void this.requestPairingCode(this.sock)
      }
      return { pairingCode: await waiter.promise }
    }
    if (this.state === 'closed' || this.state === 'failed' || this.state === 'logged-out') await this.connect()
    return {}
  }

  /** Drops the current socket and connects again with the saved credentials. */
  async restart(): Promise<void> {
    this.failures = 0
    this.qrCount = 0
    this.teardownSocket()
    await this.connect()
  }

  /** Closes the socket without logging out (shutdown); credentials stay for the next boot. */
  async stop(): Promise<void> {
    this.freeLoginSlot()
    this.teardownSocket()
    // Creds were saved on every creds.update; only a save still in flight is awaited, so
    // stopping a thousand sessions is not a thousand fsyncs. A failed save rejects (shutdown
    // must report it), after the instance is released all the same.
    try {
      await this.auth?.flush()
    } finally {
      const neverPaired = this.auth !== undefined && !isPaired(this.auth.state.creds)
      this.auth?.close()
      this.auth = undefined
      // A QR nobody scanned leaves nothing worth keeping; its folder would only look like an account.
      if (neverPaired) this.deps.authStore.remove(this.token)
      this.setState('closed')
    }
  }

  /** Logs out on WhatsApp when connected, then forgets everything about this account. */
  async logoutAndWipe(): Promise<void> {
    const sock = this.sock
    if (sock && this.state === 'open') {
      this.closingOnPurpose = true
      await sock.logout().catch((err: unknown) => this.log.warn({ err: String(err) }, 'logout request failed'))
    }
    this.teardownSocket()
    this.auth?.close()
    this.auth = undefined
    this.deps.authStore.remove(this.token)
    this.user = undefined
    this.setState('logged-out')
  }

  /**
   * Never rejects: whatever goes wrong while connecting (unreadable creds, a keys DB that cannot
   * open, a throwing observer) ends in state `failed` with `lastError`, and only for this instance.
   */
  private async connect(): Promise<void> {
    try {
      // Everything the socket starts carries this token (see process-guards.ts).
      await runAsInstance(this.token, () => this.openSocket())
    } catch (err) {
      this.failWith('could not start the connection', err)
    }
  }

  private async openSocket(): Promise<void> {
    this.teardownSocket()
    this.setState('connecting')
    if (!this.auth && !this.releasePairingSlot && !this.deps.authStore.isPairedSaved(this.token)) {
      // A new pairing waits for its slot BEFORE opening any file: a queued burst holds no descriptors.
      this.releasePairingSlot = await this.deps.pairingLimiter.acquire()
    }
    if (!this.auth) this.auth = this.deps.authStore.open(this.token)
    const { state, saveCreds } = this.auth
    if (!isPaired(state.creds) && !this.releasePairingSlot) {
      // New pairings hold a slot until open or close: a burst of create-instance calls queues here.
      this.releasePairingSlot = await this.deps.pairingLimiter.acquire()
    }
    const { options } = this.deps
    let sock: WASocket
    try {
      sock = makeWASocket(socketConfig({
        auth: state,
        logger: this.log.child({ class: 'baileys' }, { level: baileysLogLevel(this.log) }),
        waWebSocketUrl: options.waWebSocketUrl,
        qrTimeoutMs: options.qrTimeoutMs,
        syncHistory: options.syncHistory,
        ...this.agents(),
        getMessage: async (key) => (this.deps.getMessage ? this.deps.getMessage(this.token, key) : undefined),
      }))
    } catch (err) {
      // A socket that cannot even be built (bad settings) will not build on a retry either.
      this.log.error({ err }, 'could not create the WhatsApp socket')
      this.releasePairingSlot?.()
      this.releasePairingSlot = undefined
      this.lastError = `could not create the WhatsApp socket: ${err instanceof Error ? err.message : String(err)}`
      this.setState('failed', this.lastError)
      return
    }
    this.sock = sock
    this.closingOnPurpose = false
    sock.ev.on('creds.update', () => {
      void saveCreds().then(() => (this.credsWriteError = undefined), (err: unknown) => this.onCredsWriteFailed(err))
    })
    sock.ev.on('connection.update', (update) => {
      void this.onConnectionUpdate(sock, update).catch((err: unknown) => this.report('connection update failed', err))
    })
    for (const observer of this.deps.observers) observer.attach(this.token, sock)
  }

  private async onConnectionUpdate(sock: WASocket, update: Partial<ConnectionState>): Promise<void> {
    if (sock !== this.sock) return // a late event of a socket we already replaced
    const { qr, connection, lastDisconnect } = update
    if (qr) await this.onQr(sock, qr)
    if (connection === 'open') this.onOpen(sock)
    if (connection === 'close') this.onClose(lastDisconnect?.error)
  }

  private async onQr(sock: WASocket, qr: string): Promise<void> {
    this.qrCount++
    if (this.qrCount > this.deps.options.qrMaxRefreshes) {
      this.log.info({ attempts: this.qrCount - 1 }, 'QR not scanned in time; stopping')
      this.deps.bus.emit('qr-timeout', { token: this.token, attempts: this.qrCount - 1 })
      this.teardownSocket()
      this.setState('closed', 'qr-timeout')
      return
    }
    this.qr = qr
    this.setState('qr')
    if (this.pairingPhone) {
      if (this.pairingCodeWaiter) await this.requestPairingCode(sock) // once per waiting call, not per QR refresh
      return
    }
    this.qrDataUrl = await QRCode.toDataURL(qr)
    this.deps.bus.emit('qrcode', { token: this.token, data: this.qrDataUrl, qr, attempt: this.qrCount })
  }

  private async requestPairingCode(sock: WASocket): Promise<void> {
    const phone = this.pairingPhone
    if (!phone) return
    const waiter = this.pairingCodeWaiter
    this.pairingCodeWaiter = undefined
    try {
      const code = await sock.requestPairingCode(phone)
      this.pairingCode = code
      this.deps.bus.emit('pairing-code', { token: this.token, code, phone })
      waiter?.resolve(code)
    } catch (err) {
      waiter?.reject(new AppError(502, `WhatsApp did not issue a pairing code: ${err instanceof Error ? err.message : String(err)}`))
    }
  }

  private onOpen(sock: WASocket): void {
    this.freeLoginSlot()
    this.failures = 0
    // A 515 or a dropped attempt before this one is history now; credentials not on disk are not.
    this.lastError = this.credsWriteError
    this.qrCount = 0
    this.qr = this.qrDataUrl = this.pairingCode = this.pairingPhone = undefined
    this.releasePairingSlot?.()
    this.releasePairingSlot = undefined
    const me = sock.user
    this.user = me ? { id: me.id, name: me.name ?? me.notify, lid: me.lid } : undefined
    this.setState('open')
    if (this.deps.options.watchdogMs > 0) {
      this.watchdog = new Watchdog(sock, {
        silenceMs: this.deps.options.watchdogMs,
        probeTimeoutMs: Math.min(this.deps.options.watchdogMs, 10_000),
        onStall: () => this.onStall(sock),
      })
    }
    const user = this.user ?? { id: '' }
    // The seed's event carries the profile picture; WhatsApp may refuse it, which is fine.
    void sock.profilePictureUrl(user.id, 'image').catch(() => null).then((ppUrl) => {
      if (sock === this.sock) this.deps.bus.emit('connection-open', { token: this.token, user, ppUrl: ppUrl ?? null })
    }).catch((err: unknown) => this.report('connection-open listeners failed', err))
  }

  private onClose(error: Error | undefined): void {
    const statusCode = (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode
    const reason = error?.message ?? 'closed'
    this.lastError = reason
    const onPurpose = this.closingOnPurpose
    this.freeLoginSlot()
    this.teardownSocket()
    if (onPurpose) return
    if (statusCode === DisconnectReason.loggedOut) {
      this.log.info({ statusCode }, 'logged out from the phone; wiping credentials')
      this.auth?.close()
      this.auth = undefined
      this.deps.authStore.remove(this.token)
      this.user = undefined
      this.setState('logged-out', reason, statusCode)
      this.deps.bus.emit('logged-out', { token: this.token, reason })
      return
    }
    if (statusCode === DisconnectReason.restartRequired) {
      this.log.info('restart required (515); reconnecting now')
      void this.connect() // never rejects: failures end in state failed
      return
    }
    if (statusCode === DisconnectReason.connectionReplaced) {
      // Another client took these credentials; reconnecting would kick it and flap forever.
      this.setState('closed', reason, statusCode)
      return
    }
    const { options } = this.deps
    this.failures++
    if (this.failures > options.maxReconnects) {
      this.log.warn({ failures: this.failures - 1 }, 'too many failed reconnects; waiting for a restart by API')
      this.releasePairingSlot?.()
      this.releasePairingSlot = undefined
      this.setState('failed', reason, statusCode)
      return
    }
    const delay = backoffDelay(this.failures, options.reconnectBaseMs, options.reconnectCapMs)
    this.log.info({ statusCode, attempt: this.failures, delayMs: delay }, 'connection closed; reconnecting')
    this.setState('connecting', reason, statusCode)
    this.reconnectTimer = setTimeout(() => void this.reconnectWhenAdmitted(), delay)
  }

  /** Logs an error of this instance and keeps it as lastError (the instance goes on). */
  private report(what: string, err: unknown): void {
    const message = errorMessage(err)
    this.lastError = `${what}: ${message}`
    this.log.error({ err: message }, what)
  }

  /** Gives up on this instance only: releases what it holds and marks it failed. */
  private failWith(what: string, err: unknown): void {
    this.report(what, err)
    this.teardownSocket()
    this.releasePairingSlot?.()
    this.releasePairingSlot = undefined
    try {
      this.auth?.close()
    } catch {
      // a half-open store has nothing more to release
    }
    this.auth = undefined
    this.setState('failed', this.lastError)
  }

  private onCredsWriteFailed(err: unknown): void {
    this.report('could not save credentials (creds.json)', err)
    this.credsWriteError = this.lastError
    this.deps.onCredsWriteError?.(this.token, err)
  }

  /** The socket looks open but WhatsApp stopped answering: a new connection, like a drop, at once. */
  private onStall(sock: WASocket): void {
    if (sock !== this.sock) return
    this.log.warn({ silenceMs: this.deps.options.watchdogMs }, 'no frame from WhatsApp and no answer to a ping; restarting the connection')
    this.lastError = 'watchdog: no answer from WhatsApp'
    this.setState('connecting', 'watchdog')
    this.connect().catch((err: unknown) => this.log.error({ err }, 'reconnect after the watchdog failed'))
  }

  /**
   * A reconnect after a drop takes a login slot first: when many sessions drop at once because the
   * process is overloaded, they come back a few at a time instead of all handshaking together.
   */
  private async reconnectWhenAdmitted(): Promise<void> {
    const gate = this.deps.loginGate
    if (!gate) return this.connect()
    const release = await gate.acquire()
    if (this.sock || this.state !== 'connecting' || this.disposed) return release() // restarted, stopped or deleted meanwhile
    this.releaseLoginSlot = release
    // Released on open or on the next close; the timer only guards against a login that hangs.
    const guard = setTimeout(() => this.freeLoginSlot(), LOGIN_SLOT_MAX_MS)
    guard.unref()
    this.loginSlotGuard = guard
    await this.connect()
  }

  private freeLoginSlot(): void {
    clearTimeout(this.loginSlotGuard)
    this.loginSlotGuard = undefined
    this.releaseLoginSlot?.()
    this.releaseLoginSlot = undefined
  }

  /** Fully releases the current socket (listeners, timers, websocket) before any new one. */
  private teardownSocket(): void {
    clearTimeout(this.reconnectTimer)
    this.reconnectTimer = undefined
    this.watchdog?.stop()
    this.watchdog = undefined
    const sock = this.sock
    if (!sock) return
    this.sock = undefined
    sock.ev.removeAllListeners(undefined as never)
    // end() is async in Baileys 7: a socket that is already closed may reject, which is fine here.
    sock.end(undefined).catch(() => undefined)
  }

  private setState(state: SessionState, reason?: string, statusCode?: number): void {
    if (state === this.state && !reason) return
    this.state = state
    if (state !== 'connecting' && state !== 'qr') {
      // The pairing attempt is over (gave up, logged out, closed, or connected): a waiting call gets
      // its answer, and a later create-instance starts afresh (QR unless it names a phone again).
      this.pairingPhone = undefined
      this.pairingCodeWaiter?.reject(new AppError(409, `no pairing code: the instance is ${state}${reason ? ` (${reason})` : ''}`))
      this.pairingCodeWaiter = undefined
    }
    this.log.info({ state, reason, statusCode }, 'session state')
    this.deps.bus.emit('connection-state', { token: this.token, state, user: this.user, reason, statusCode })
  }

  /** Releases what a session holds when it is forgotten by the manager. */
  dispose(): void {
    this.disposed = true
    this.freeLoginSlot()
    this.teardownSocket()
    this.releasePairingSlot?.()
    this.releasePairingSlot = undefined
    this.auth?.close()
    this.auth = undefined
  }
}

/** A login that neither opens nor closes in this time gives its slot back anyway. */
const LOGIN_SLOT_MAX_MS = 30_000

/** Baileys is chatty at info: it logs at warn unless we trace, and never louder than our own level. */
function baileysLogLevel(log: Logger): string {
  if (log.level === 'trace' || log.level === 'debug') return log.level
  return log.levelVal > 40 ? log.level : 'warn'
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err))

function newWaiter(): { promise: Promise<string>; resolve: (code: string) => void; reject: (err: Error) => void } {
  let resolve!: (code: string) => void
  let reject!: (err: Error) => void
  const promise = new Promise<string>((res, rej) => ([resolve, reject] = [res, rej]))
  promise.catch(() => undefined) // settled before anyone awaits it (e.g. during connect) is not an unhandled rejection
  return { promise, resolve, reject }
}
