// End-to-end harness: a simulator + the real gateway (HTTP + Socket.IO + real Baileys) in temp dirs.
// Tests drive the HTTP API exactly as users do and wait for events, never for fixed sleeps.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io as ioClient, type Socket } from 'socket.io-client'
import { createApp, type GatewayApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/index.js'
import { createLogger } from '../../src/logger.js'
import { Simulator } from '../../src/simulator/index.js'
import { sandboxRoutes } from '../../src/http/routes/sandbox.js'
import type { AuthStore } from '../../src/sessions/auth-state.js'
import { ContractChecker } from './contract.js'

export const AUTH = 'test-auth-key-123'

export interface ApiResult<T = unknown> {
  status: number
  body: { status: boolean; data?: T; message?: string } & Record<string, unknown>
  headers: Headers
}

export interface Harness {
  sim: Simulator
  app: GatewayApp
  baseUrl: string
  dirs: { root: string; credentials: string; data: string; scheduler: string }
  env: Record<string, string>
  api<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResult<T>>
  /** A Socket.IO client authenticated with AUTH (pass tokens to join only those rooms). */
  socket(opts?: { tokens?: string[]; key?: string }): Promise<Socket>
  /** create-instance → qrcode event → the simulated phone scans → connection-open. */
  pair(token: string, phone?: string): Promise<{ phone: string }>
  /** Stops the gateway (keeping its folders) and starts a new one on the same folders. */
  restartGateway(extraEnv?: Record<string, string>): Promise<void>
  close(): Promise<void>
}

export const basicAuth = (key = AUTH) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`

/** Resolves with the first `event` payload that matches; rejects with a clear error after timeoutMs. */
export function waitForEvent<T = Record<string, unknown>>(
  socket: Socket, event: string, pred: (p: T) => boolean = () => true, timeoutMs = 20_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for Socket.IO event "${event}"`))
    }, timeoutMs)
    const handler = (payload: T) => {
      if (!pred(payload)) return
      clearTimeout(timer)
      socket.off(event, handler)
      resolve(payload)
    }
    socket.on(event, handler)
  })
}

export async function startHarness(opts: {
  env?: Record<string, string>
  sim?: Simulator
  /** A credentials store of the test's own (e.g. one whose disk fails for some token). */
  authStore?: (credentialsDir: string) => AuthStore
} = {}): Promise<Harness> {
  const sim = opts.sim ?? (await Simulator.start())
  const root = mkdtempSync(join(tmpdir(), 'wagw-test-'))
  const dirs = { root, credentials: join(root, 'credentials'), data: join(root, 'data'), scheduler: join(root, 'scheduler.json') }
  const env: Record<string, string> = {
    AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CREDENTIALS_DIR: dirs.credentials, DATA_DIR: dirs.data, SCHEDULER_FILE: dirs.scheduler,
    MIN: '0', MAX: '0', MEDIA_ALLOW_PRIVATE: 'true', RECONNECT_BASE_MS: '50', RECONNECT_CAP_MS: '500',
    SCHEDULER_MIN_INTERVAL_S: '0', // e2e jobs fire every second
    ...opts.env,
  }
  const sockets: Socket[] = []
  let app: GatewayApp
  let baseUrl = ''
  // The served document, fetched once: every JSON answer api() sees is checked against it.
  let contract: Promise<ContractChecker> | undefined
  const eventDrift: string[] = []
  const checker = () => (contract ??= fetch(`${baseUrl}/api/openapi.json`, { headers: { authorization: basicAuth() } })
    .then(async (r) => new ContractChecker((await r.json()) as Record<string, unknown>)))

  const boot = async (extra: Record<string, string> = {}) => {
    Object.assign(env, extra)
    const config = loadConfig(env)
    app = await createApp({
      config,
      logger: createLogger(config.logLevel),
      ...(opts.authStore ? { authStore: opts.authStore(config.credentialsDir) } : {}),
      sandbox: { wsUrl: sim.wsUrl, rootPublicKey: sim.rootPublicKey, caPem: sim.caPem, mediaHost: sim.mediaHost, routes: (gw) => sandboxRoutes(gw, sim) },
    })
    const port = await app.listen()
    baseUrl = `http://127.0.0.1:${port}`
  }
  await boot()

  const h: Harness = {
    sim,
    get app() { return app },
    get baseUrl() { return baseUrl },
    dirs,
    env,
    async api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: basicAuth(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      let parsed: ApiResult<T>['body']
      try {
        parsed = JSON.parse(text) as ApiResult<T>['body']
      } catch {
        parsed = { status: false, message: `non-JSON response: ${text.slice(0, 200)}` }
        return { status: res.status, body: parsed, headers: res.headers }
      }
      ;(await checker()).check(method, path, res.status, res.headers.get('content-type'), parsed)
      return { status: res.status, body: parsed, headers: res.headers }
    },
    async socket(o = {}) {
      const s = ioClient(baseUrl, { auth: { key: o.key ?? AUTH, ...(o.tokens ? { tokens: o.tokens } : {}) }, transports: ['websocket'], reconnection: false })
      sockets.push(s)
      // Every event payload is checked against the document's x-events; drift fails close().
      s.onAny((event: string, payload: unknown) => {
        void checker().then((c) => {
          const drift = c.checkEvent(event, payload)
          if (drift) eventDrift.push(drift)
        }).catch((err: unknown) => eventDrift.push(String(err)))
      })
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve())
        s.once('connect_error', (err) => reject(err))
      })
      return s
    },
    async pair(token, phone) {
      const s = await h.socket({ tokens: [token] })
      const qrEvent = waitForEvent<{ token: string; qr: string }>(s, 'qrcode', (p) => p.token === token)
      const opened = waitForEvent<{ token: string }>(s, 'connection-open', (p) => p.token === token)
      const created = await h.api('POST', '/api/whatsapp/create-instance', { token })
      if (created.status !== 200) throw new Error(`create-instance failed: ${JSON.stringify(created.body)}`)
      const { qr } = await qrEvent
      const scanned = await sim.scanQr(qr, phone)
      await opened
      s.close()
      return scanned
    },
    async restartGateway(extra) {
      await app.close()
      await boot(extra)
    },
    async close() {
      for (const s of sockets) s.close()
      await app.close()
      if (!opts.sim) await sim.stop()
      rmSync(root, { recursive: true, force: true })
      if (eventDrift.length) throw new Error(`event payloads drifted from /api/openapi.json x-events:\n${[...new Set(eventDrift)].join('\n')}`)
    },
  }
  return h
}
