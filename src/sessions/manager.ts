// token → Session. The HTTP layer, messaging and the scheduler reach WhatsApp only through here.
import type { WASocket } from '@whiskeysockets/baileys'
import type { SessionState, SessionUser } from '../events/bus.js'
import { conflict, notFound, tooMany } from '../errors.js'
import { LoadGate } from '../util/load-gate.js'
import { Semaphore } from '../util/semaphore.js'
import { Session, type SessionDeps } from './session.js'
import { enforceSignatureChecks } from './signature-check.js'
import { MemoryInstanceSettings, type InstanceSettingsStore } from './instance-settings.js'
import { maskProxy } from './proxy.js'

export interface InstanceInfo {
  token: string
  state: SessionState
  user: SessionUser | null
  /** The proxy it dials through (password masked), or null. */
  proxy: string | null
}

export type ManagerDeps = Omit<SessionDeps, 'pairingLimiter'> & {
  pairingConcurrency: number
  autostartConcurrency: number
  /** Per-instance settings (the proxy); default: kept in memory only. */
  settings?: InstanceSettingsStore
  /** Instances this node holds at most (MAX_INSTANCES); unlimited when absent. */
  maxInstances?: number
}

/** The proxy shown in listings: the instance's own or PROXY, password masked. */
export const maskedProxy = (s: Session): string | null => (s.effectiveProxy ? maskProxy(s.effectiveProxy) : null)

/** How long one autostarted login may hold its slot before the next one starts anyway. */
const AUTOSTART_SETTLE_MS = 30_000

export class SessionManager {
  private readonly sessions = new Map<string, Session>()
  private readonly deps: SessionDeps
  private readonly settings: InstanceSettingsStore
  readonly loginGate: LoadGate
  /** Settings being read for sessions just created. */
  private readonly loading = new Map<string, Promise<void>>()
  private readonly maxInstances: number

  constructor(deps: ManagerDeps) {
    const { pairingConcurrency, autostartConcurrency, settings, maxInstances, ...rest } = deps
    this.settings = settings ?? new MemoryInstanceSettings()
    // Autostart and reconnects share one load-following gate: at most `autostartConcurrency` logins
    // at once, fewer while the event loop lags, so an overload does not turn into a reconnect storm.
    this.loginGate = new LoadGate({ min: 1, max: autostartConcurrency })
    this.deps = { ...rest, pairingLimiter: new Semaphore(pairingConcurrency), loginGate: this.loginGate }
    this.maxInstances = maxInstances ?? Infinity
    enforceSignatureChecks() // before any socket: WhatsApp's Noise certificate must really be checked
  }

  /** Starts the instance (or returns the running one); with `phone`, returns a pairing code. */
  async create(token: string, phone?: string, opts: { proxy?: string | null } = {}): Promise<{ session: Session; pairingCode?: string }> {
    let session = this.sessions.get(token)
    if (!session) {
      if (this.sessions.size >= this.maxInstances) {
        throw tooMany(`this node already holds MAX_INSTANCES (${this.maxInstances}) instances; delete unused ones or raise MAX_INSTANCES`)
      }
      const created = new Session(token, this.deps)
      session = created
      this.sessions.set(token, created) // before any await: a concurrent create finds this one
      const loading = this.settings.get(token).then((s) => void (created.proxy = s.proxy))
      this.loading.set(token, loading)
      void loading.finally(() => this.loading.delete(token)).catch(() => undefined)
    }
    await this.loading.get(token) // its saved proxy is known before it connects
    if (opts.proxy !== undefined && (opts.proxy ?? undefined) !== session.proxy) await this.setProxy(token, opts.proxy)
    const { pairingCode } = await session.start(phone)
    return { session, pairingCode }
  }

  get(token: string): Session | undefined {
    return this.sessions.get(token)
  }

  /** The session, or a 404 naming the token. */
  require(token: string): Session {
    const session = this.sessions.get(token)
    if (!session) throw notFound(`instance "${token}" not found; create it first with POST /api/whatsapp/create-instance`)
    return session
  }

  /** The socket of an open session, or a clear 404 / 409. */
  requireOpen(token: string): WASocket {
    const session = this.require(token)
    if (session.state !== 'open' || !session.socket) {
      throw conflict(`instance "${token}" is not connected (state: ${session.state})`)
    }
    return session.socket
  }

  list(): InstanceInfo[] {
    return [...this.sessions.values()].map((s) => ({ token: s.token, state: s.state, user: s.user ?? null, proxy: maskedProxy(s) }))
  }

  /** Sets (or with null clears) the instance's own proxy, kept across restarts; a live connection reconnects through it. */
  async setProxy(token: string, proxy: string | null): Promise<Session> {
    const session = this.require(token)
    await this.settings.set(token, proxy ? { proxy } : {})
    session.proxy = proxy ?? undefined
    if (session.state !== 'closed' && session.state !== 'logged-out' && session.state !== 'failed') await session.restart()
    return session
  }

  async restart(token: string): Promise<Session> {
    const session = this.require(token)
    await session.restart()
    return session
  }

  /** Logs out if connected, closes, wipes the folder, and forgets the instance; unknown → 404. */
  async delete(token: string): Promise<void> {
    const session = this.sessions.get(token)
    await this.settings.remove(token)
    if (session) {
      await session.logoutAndWipe()
      session.dispose()
      this.sessions.delete(token)
    } else if (this.deps.authStore.hasCreds(token)) {
      this.deps.authStore.remove(token)
    } else {
      throw notFound(`instance "${token}" not found: nothing to delete`)
    }
  }

  /** Reconnects every instance whose credentials are on disk (boot). */
  async autostart(): Promise<string[]> {
    let tokens: string[]
    try {
      const abandoned = this.deps.authStore.removeUnpaired()
      if (abandoned.length) this.deps.logger.info({ tokens: abandoned }, 'removed the folders of logins that were never completed')
      tokens = this.deps.authStore.listSaved()
    } catch (err) {
      this.deps.logger.error({ err: String(err) }, 'autostart could not list saved instances')
      return []
    }
    // Logins run a few at a time: a thousand at once ran a fresh process out of memory.
    await Promise.all(
      tokens.map(async (token) => {
        const release = await this.loginGate.acquire()
        try {
          const { session } = await this.create(token)
          await this.settled(session, AUTOSTART_SETTLE_MS)
        } catch (err) {
          this.deps.logger.warn({ token, err: String(err) }, 'autostart failed')
        } finally {
          release()
        }
      }),
    )
    return tokens
  }

  /** Resolves once the session is open or has given up (or after timeoutMs, whichever is first). */
  private settled(session: Session, timeoutMs: number): Promise<void> {
    const done = () => session.state !== 'connecting'
    if (done()) return Promise.resolve()
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        off()
        resolve()
      }
      const timer = setTimeout(finish, timeoutMs)
      const off = this.deps.bus.on('connection-state', (e) => {
        if (e.token === session.token && done()) finish()
      })
    })
  }

  /** Stops every session; rejects (after all are stopped) naming those whose credentials did not save. */
  async shutdown(): Promise<void> {
    this.loginGate.close()
    const sessions = [...this.sessions.values()]
    const results = await Promise.allSettled(sessions.map((s) => s.stop()))
    this.sessions.clear()
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${sessions[i].token}: ${String(r.reason)}`] : []))
    if (failed.length) {
      this.deps.logger.error({ failed }, 'credentials of some instances could not be saved at shutdown')
      throw new Error(`credentials not saved for ${failed.length} instance(s): ${failed.slice(0, 5).join('; ')}`)
    }
  }
}
