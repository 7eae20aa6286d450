// Composition root: builds every part and wires them together. No logic of its own.
import { createServer, type Server as HttpServer } from 'node:http'
import { Agent } from 'node:https'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys'
import type { Server as IoServer } from 'socket.io'
import type { Config } from './config/index.js'
import { EventBus } from './events/bus.js'
import { createSocketGateway } from './events/socket-gateway.js'
import { buildHttpApp } from './http/app.js'
import type { RouteDef } from './http/route.js'
import { instanceRoutes } from './http/routes/instances.js'
import { createLogger, type Logger } from './logger.js'
import { createMetrics, type Metrics } from './metrics.js'
import { SqliteAuthStore } from './sessions/auth-state.js'
import { SessionManager } from './sessions/manager.js'

/** What the gateway needs to talk to the simulator instead of WhatsApp (sandbox and tests only). */
export interface SandboxLink {
  wsUrl: string
  rootPublicKey: Uint8Array
  caPem: string
  /** Routes of the sandbox's own API, mounted under /api/sandbox. */
  routes?: (app: GatewayApp) => RouteDef[]
}

export interface AppOptions {
  config: Config
  logger?: Logger
  sandbox?: SandboxLink
}

export interface GatewayApp {
  config: Config
  logger: Logger
  bus: EventBus
  sessions: SessionManager
  metrics: Metrics
  routes: RouteDef[]
  server: HttpServer
  io: IoServer
  /** Listens on config.port (0 = any free port) and resolves with the port. */
  listen(): Promise<number>
  close(): Promise<void>
}

const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url))

export async function createApp(opts: AppOptions): Promise<GatewayApp> {
  const { config, sandbox } = opts
  const logger = opts.logger ?? createLogger(config.logLevel)
  if (sandbox) {
    // Trust the simulator's Noise root instead of WhatsApp's. Never done outside sandbox/test mode.
    logger.warn('SANDBOX MODE: trusting the simulated WhatsApp server at %s; this process cannot reach real WhatsApp', sandbox.wsUrl)
    WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(sandbox.rootPublicKey)
  }
  const bus = new EventBus()
  const sessions = new SessionManager({
    authStore: new SqliteAuthStore(config.credentialsDir),
    bus,
    logger,
    observers: [],
    pairingConcurrency: config.pairingConcurrency,
    options: {
      maxReconnects: config.maxReconnects,
      qrMaxRefreshes: config.qrMaxRefreshes,
      reconnectBaseMs: config.reconnectBaseMs,
      reconnectCapMs: config.reconnectCapMs,
      syncHistory: sandbox ? false : config.syncHistory,
      waWebSocketUrl: sandbox?.wsUrl ?? config.waWebSocketUrl,
      fetchAgent: sandbox ? new Agent({ ca: sandbox.caPem, keepAlive: true }) : undefined,
    },
  })
  const metrics = createMetrics(bus, sessions)
  const routes: RouteDef[] = [...instanceRoutes(sessions)]

  const server = createServer()
  const io = createSocketGateway(server, bus, { auth: config.auth, origin: config.origin })
  const gateway: GatewayApp = {
    config, logger, bus, sessions, metrics, routes, server, io,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port))
      }),
    close: async () => {
      await sessions.shutdown()
      await new Promise<void>((resolve) => io.close(() => resolve()))
      server.closeAllConnections()
    },
  }
  if (sandbox?.routes) routes.push(...sandbox.routes(gateway))
  const app = buildHttpApp({
    auth: config.auth, origin: config.origin, bodyLimit: config.bodyLimit, logger, routes,
    metrics: metrics.registry, publicDir: PUBLIC_DIR,
  })
  server.on('request', app)
  return gateway
}
