// Composition root: builds every part and wires them together. No logic of its own.
import { createServer, type RequestListener, type Server as HttpServer } from 'node:http'
import { Agent } from 'node:https'
import type { AddressInfo } from 'node:net'
import { rootCertificates } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys'
import type { Server as IoServer } from 'socket.io'
import type { Config } from './config/index.js'
import { EventBus } from './events/bus.js'
import { createSocketGateway } from './events/socket-gateway.js'
import { buildHttpApp } from './http/app.js'
import { idempotency, withIdempotency } from './http/idempotency.js'
import type { RouteDef } from './http/route.js'
import { mountApiDocs, openapiRoutes } from './http/openapi.js'
import { instanceRoutes } from './http/routes/instances.js'
import { GroupService } from './groups/service.js'
import { groupRoutes } from './http/routes/groups.js'
import { schedulerRoutes } from './http/routes/scheduler.js'
import { SEND_ACTIONS } from './messaging/actions.js'
import { FileJobStore } from './scheduler/file-store.js'
import { Scheduler } from './scheduler/scheduler.js'
import { createLogger, type Logger } from './logger.js'
import { Messenger } from './messaging/messenger.js'
import { bulkRoutes } from './http/routes/bulk.js'
import { mediaRoutes } from './http/routes/media.js'
import { messageRoutes } from './http/routes/messages.js'
import { createMetrics, type Metrics } from './metrics.js'
import { SqliteAuthStore, type AuthStore } from './sessions/auth-state.js'
import { SessionManager } from './sessions/manager.js'
import { SqliteInstanceSettings } from './sessions/instance-settings.js'
import { bridgeSocketEvents } from './sessions/event-bridge.js'
import { callRejecter, CallSettingsStore } from './sessions/calls.js'
import { callRoutes } from './http/routes/calls.js'
import { createWebhooks, type Webhooks } from './events/webhooks/index.js'
import { createAmqp, type AmqpSink } from './events/amqp/index.js'
import { storeRoutes } from './http/routes/store.js'
import { webhookRoutes } from './http/routes/webhooks.js'
import { keyRoutes } from './http/routes/keys.js'
import { createAuthenticator } from './http/auth.js'
import { SqliteApiKeyStore } from './store/api-keys.js'
import { openDatabase, type Db } from './store/db.js'
import { storeGetMessage } from './store/baileys.js'
import { StoreObserver } from './store/ingest.js'
import { SqliteStore } from './store/sqlite-store.js'
import { SqliteIdempotencyStore } from './store/idempotency-sqlite.js'
import type { IdempotencyStore } from './store/idempotency-types.js'
import type { Store } from './store/types.js'

/** What the gateway needs to talk to the simulator instead of WhatsApp (sandbox and tests only). */
export interface SandboxLink {
  wsUrl: string
  rootPublicKey: Uint8Array
  caPem: string
  /** 'host:port' of the simulator's media host: trusted by download-media whatever MEDIA_ALLOW_PRIVATE says. */
  mediaHost?: string
  /** Routes of the sandbox's own API, mounted under /api/sandbox. */
  routes?: (app: GatewayApp) => RouteDef[]
}

export interface AppOptions {
  config: Config
  logger?: Logger
  sandbox?: SandboxLink
  /** Your own Store (e.g. MySQL/Postgres, see src/store/types.ts); default: SqliteStore in DATA_DIR. */
  store?: Store
  /** Where credentials live; default: SqliteAuthStore in CREDENTIALS_DIR (tests inject failing disks). */
  authStore?: AuthStore
  /** Where Idempotency-Key answers are kept (src/store/idempotency-types.ts); default: SQLite in DATA_DIR. */
  idempotencyStore?: IdempotencyStore
}

export interface GatewayApp {
  config: Config
  logger: Logger
  bus: EventBus
  sessions: SessionManager
  metrics: Metrics
  /** DATA_DIR/gateway.db (WAL), shared by the store, the webhook outbox and other queues. */
  db: Db
  /** Chats/contacts/messages; undefined when STORE=false. */
  store?: Store
  webhooks: Webhooks
  /** Events to RabbitMQ; undefined without AMQP_URL. */
  amqp?: AmqpSink
  /** The one send path (routes, scheduler, bulk queue): execute(action, body). */
  messenger: Messenger
  /** Cron jobs from scheduler.json; they send through the messenger. */
  scheduler: Scheduler
  routes: RouteDef[]
  server: HttpServer
  io: IoServer
  /** Listens on config.port (0 = any free port), resumes queues, autostarts saved instances; resolves with the port. */
  listen(): Promise<number>
  close(): Promise<void>
}

/**
 * Where sessions dial: the sandbox's simulator, or what WA_WS_URL / WA_ROOT_PUBLIC_KEY / WA_CA_FILE
 * say (a simulated network reached by `npm start`), or — all unset — Baileys' own defaults.
 */
function whatsappEndpoint(config: Config, sandbox?: SandboxLink): { wsUrl?: string; rootPublicKey?: Uint8Array; caPem?: string } {
  if (sandbox) return { wsUrl: sandbox.wsUrl, rootPublicKey: sandbox.rootPublicKey, caPem: sandbox.caPem }
  // An extra CA adds to the system roots: WhatsApp's own hosts must stay verifiable.
  const caPem = config.waCaPem ? [...rootCertificates, config.waCaPem].join('\n') : undefined
  return { wsUrl: config.waWebSocketUrl, rootPublicKey: config.waRootPublicKey, caPem }
}

const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url))

export async function createApp(opts: AppOptions): Promise<GatewayApp> {
  const { config, sandbox } = opts
  const logger = opts.logger ?? createLogger(config.logLevel)
  const endpoint = whatsappEndpoint(config, sandbox)
  if (endpoint.rootPublicKey) {
    // Trust another Noise root than WhatsApp's: only a simulated network can prove it.
    logger.warn('%s: trusting a non-WhatsApp server at %s; this process cannot reach real WhatsApp',
      sandbox ? 'SANDBOX MODE' : 'WA_ROOT_PUBLIC_KEY is set', endpoint.wsUrl ?? 'the default URL')
    WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(endpoint.rootPublicKey)
  }
  const bus = new EventBus()
  const db = openDatabase(config.dataDir)
  const store = config.store ? (opts.store ?? new SqliteStore(db)) : undefined
  const storeObserver = store ? new StoreObserver(store, logger) : undefined
  const callSettings = new CallSettingsStore(db, { reject: config.rejectCalls, message: config.rejectCallsMessage })
  const sessions = new SessionManager({
    authStore: opts.authStore ?? new SqliteAuthStore(config.credentialsDir),
    bus,
    logger,
    // Baileys events → bus (messages, receipts, groups); Socket.IO and webhooks forward the bus.
    // The store listens first, so a message is stored before the bus announces it.
    observers: [
      ...(storeObserver ? [storeObserver] : []),
      { attach: (token, sock) => bridgeSocketEvents(token, sock, bus, logger) },
      callRejecter(callSettings, logger),
    ],
    getMessage: store ? storeGetMessage(store) : undefined,
    onCredsWriteError: () => credsWriteFailures.inc(), // called only once sockets run, after the counter exists
    pairingConcurrency: config.pairingConcurrency,
    settings: new SqliteInstanceSettings(db),
    autostartConcurrency: config.autostartConcurrency,
    maxInstances: config.maxInstances,
    options: {
      maxReconnects: config.maxReconnects,
      qrMaxRefreshes: config.qrMaxRefreshes,
      qrTimeoutMs: config.qrTimeoutMs,
      reconnectBaseMs: config.reconnectBaseMs,
      reconnectCapMs: config.reconnectCapMs,
      watchdogMs: config.watchdogSeconds * 1000,
      syncHistory: config.syncHistory, // the sandbox links like production: the simulated phone pushes history
      waWebSocketUrl: endpoint.wsUrl,
      fetchAgent: endpoint.caPem ? new Agent({ ca: endpoint.caPem, keepAlive: true }) : undefined,
      caPem: endpoint.caPem,
      defaultProxy: config.proxy,
    },
  })
  const metrics = createMetrics(bus, sessions)
  const credsWriteFailures = metrics.counter('wa_creds_write_failures_total', 'creds.json saves that failed (disk full, permission)')
  storeObserver?.wipeOnLogout(bus)
  storeObserver?.learnIdentities(bus) // before webhooks and Socket.IO subscribe: merged chats first, then the news
  const webhooks = createWebhooks({ db, bus, logger, metrics, config, ownJid: (t) => sessions.get(t)?.user?.id })
  const amqpUrl = config.amqpUrl
  const amqp = amqpUrl ? createAmqp({ db, bus, logger, metrics, config: { ...config, amqpUrl } }) : undefined
  const messenger = new Messenger({
    sessions, bus, config, logger, db, trustedMedia: endpoint.caPem ? { host: sandbox?.mediaHost, ca: endpoint.caPem } : undefined,
    findMessage: store ? (token, id) => store.findMessage(token, id) : undefined,
  })
  await messenger.clearTemp() // before listening: no upload of a live request can be in there yet
  const routes: RouteDef[] = [...instanceRoutes(sessions), ...callRoutes(callSettings)]
  routes.push(...messageRoutes(messenger, config), ...mediaRoutes(messenger), ...bulkRoutes(messenger))
  routes.push(...groupRoutes(new GroupService(sessions)))
  const scheduler = new Scheduler({
    store: new FileJobStore(config.schedulerFile, logger), actions: () => SEND_ACTIONS, executor: messenger, bus, logger,
    limits: { minIntervalS: config.schedulerMinIntervalS, maxJobs: config.schedulerMaxJobs },
  })
  await scheduler.load() // a malformed scheduler.json is kept aside here, before anything can overwrite it
  routes.push(...schedulerRoutes(scheduler))
  routes.push(...storeRoutes({ store, instanceKnown: (t) => sessions.get(t) !== undefined, ownUser: (t) => sessions.get(t)?.user }))
  routes.push(...webhookRoutes({ targets: webhooks.targets, outbox: webhooks.outbox, kick: () => webhooks.dispatcher.kick(), urlRefusal: webhooks.urlRefusal }))

  // Socket.IO wraps the 'request' listeners present when it attaches and calls them only for
  // non-/socket.io/ paths; a listener added later would also answer its client file and polling
  // requests (corrupting them), so the express app is bound here and set once built.
  let httpApp: RequestListener | undefined
  const server = createServer((req, res) => httpApp?.(req, res))
  const apiKeys = new SqliteApiKeyStore(db)
  const authenticate = createAuthenticator(config.auth, apiKeys)
  const sockets = createSocketGateway(server, bus, { authenticate, origin: config.origin })
  const io = sockets.io
  routes.push(...keyRoutes(apiKeys, (id) => sockets.revokeKey(id)))
  let closed = false
  const gateway: GatewayApp = {
    config, logger, bus, sessions, metrics, db, store, webhooks, amqp, messenger, scheduler, routes, server, io,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(config.port, config.host, () => {
          webhooks.start() // resumes deliveries queued before a restart or crash
          amqp?.start()
          messenger.resume() // unfinished bulk batches go on where they stopped
          void scheduler.start().catch((err: unknown) => logger.error({ err }, 'scheduler did not start'))
          // Paired instances reconnect on boot (the seed's autostart), without holding up the listener.
          void sessions.autostart().then((tokens) => {
            if (tokens.length) logger.info({ count: tokens.length }, 'autostarted saved instances')
          }).catch((err: unknown) => logger.error({ err }, 'autostart failed'))
          resolve((server.address() as AddressInfo).port)
        })
      }),
    close: async () => {
      if (closed) return // harness restarts and signal handlers may close twice
      closed = true
      await scheduler.close() // no job may fire into a closing messenger
      await messenger.close()
      // A failed credentials save is reported (non-zero exit) only after everything else closed.
      const sessionError = await sessions.shutdown().then(() => undefined, (err: unknown) => err)
      await webhooks.stop()
      await amqp?.stop()
      await new Promise<void>((resolve) => io.close(() => resolve()))
      server.closeAllConnections()
      await store?.close()
      db.close()
      if (sessionError) throw sessionError
    },
  }
  // The sandbox drives simulated phones for every instance: admin only.
  if (sandbox?.routes) routes.push(...sandbox.routes(gateway).map((r) => ({ ...r, access: 'admin' as const })))
  routes.push(...openapiRoutes(() => routes))
  const idempotencyGuard = idempotency({ store: opts.idempotencyStore ?? new SqliteIdempotencyStore(db), ttlHours: config.idempotencyTtlHours, logger })
  const app = buildHttpApp({
    authenticate, origin: config.origin, bodyLimit: config.bodyLimit, jsonLimit: config.jsonLimit, logger, routes: withIdempotency(routes, idempotencyGuard),
    authFailLimit: config.authFailLimit,
    metrics: metrics.registry, publicDir: PUBLIC_DIR, extra: (http) => mountApiDocs(http),
  })
  httpApp = app
  return gateway
}
