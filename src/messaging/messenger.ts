// The one send path. HTTP routes, the scheduler and the bulk queue all call `execute(action, body)`;
// a single `number` sends now and resolves with the sent message, an array becomes a persisted
// bulk batch. Also the non-send calls (is-exists, profile picture, read, presence, download).
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { generateMessageIDV2, prepareWAMessageMedia, type WAMessageKey, type WASocket } from '@whiskeysockets/baileys'
import type { Config } from '../config/index.js'
import { AppError, badRequest, notFound, tooMany } from '../errors.js'
import type { EventBus } from '../events/bus.js'
import type { Logger } from '../logger.js'
import type { SessionManager } from '../sessions/manager.js'
import type { Db } from '../store/db.js'
import { BatchMedia } from './batch-media.js'
import { SqliteBatchStore, viewBatch, type BatchRecord, type BatchStore, type BatchView, type StoredMedia } from './batch-store.js'
import { BUILDERS, type BuildContext, type MediaSlot } from './builders.js'
import { BulkQueue, delayRange, type Clock } from './bulk-queue.js'
import { deliver, isConnectionError, mapSendError, type DeliverOptions } from './deliver.js'
import { MediaDownloader, type Download, type TrustedMediaHost } from './download.js'
import type { FixedIds } from './fixed-ids.js'
import { InvalidNumberError, parseTarget, type Target } from './jid.js'
import { MediaFetcher } from './media-fetch.js'
import { loadMedia, type LocalMedia, type MediaInput, type MediaSourceDeps, type UploadedFile } from './media-source.js'
import type { MediaKind } from './media-type.js'
import { allowAll, publicOnly } from '../util/net-guard.js'
import * as q from './queries.js'
import { Recipients } from './recipients.js'
import { clearDir, removeQuietly } from './temp-files.js'
import type { SendExecutor } from './types.js'
import { quotedMessage, type FindMessage } from './quoted.js'
import { waitForOpen } from './wait-open.js'
import { InvalidMessageError, messageFromJson, toWire } from './wire.js'

export type { FindMessage }

export interface MessengerDeps {
  sessions: SessionManager
  bus: EventBus
  config: Config
  logger: Logger
  db: Db
  /** The store's lookup by message id (download-media by key, quotes, reaction/edit keys). */
  findMessage?: FindMessage
  /** Sandbox mode only: the simulator's media host (host:port) and its CA, trusted for downloads. */
  trustedMedia?: TrustedMediaHost
  batchStore?: BatchStore
  clock?: Clock
  random?: () => number
}

export interface ExecuteExtras {
  /** A multipart upload the HTTP layer stored on disk; the messenger deletes it when done. */
  upload?: UploadedFile
  /** Ids fixed before the run (an idempotent request): the message id of a single send, the batch id of a bulk one. */
  fixed?: FixedIds
  /** A scoped API key's request: media URLs may only be public addresses, whatever MEDIA_ALLOW_PRIVATE says. */
  publicOnly?: boolean
}

type Body = Record<string, unknown>

const targetOf = (v: unknown, field = 'number'): Target => {
  try {
    return parseTarget(v)
  } catch (err) {
    throw badRequest(`${field}: ${err instanceof InvalidNumberError ? err.message : String(err)}`)
  }
}

/** A tiny in-memory CacheStore for Baileys' mediaCache (one per running batch). */
function memoryCache() {
  const m = new Map<string, unknown>()
  return { get: (k: string) => m.get(k), set: (k: string, v: unknown) => void m.set(k, v), del: (k: string) => void m.delete(k), flushAll: () => m.clear() }
}

export class Messenger implements SendExecutor {
  /** Where multipart uploads land (same filesystem as the bulk media folder, so moves are renames). */
  readonly uploadDir: string
  private readonly tmpDir: string
  /** Media fetchers and downloaders by address policy and proxy (an instance's own, or none). */
  private readonly mediaAgents = new Map<string, { fetcher: MediaFetcher; downloader: MediaDownloader }>()
  private readonly recipients: Recipients
  private readonly store: BatchStore
  private readonly queue: BulkQueue
  private readonly batchMedia: BatchMedia
  private readonly mediaCaches = new Map<string, ReturnType<typeof memoryCache>>()

  constructor(private readonly deps: MessengerDeps) {
    const { config, logger } = deps
    this.tmpDir = join(config.dataDir, 'tmp', 'media')
    this.uploadDir = this.tmpDir
    this.recipients = new Recipients(logger)
    this.store = deps.batchStore ?? new SqliteBatchStore(deps.db)
    this.batchMedia = new BatchMedia(join(config.dataDir, 'bulk-media'))
    this.queue = new BulkQueue({
      store: this.store, bus: deps.bus, logger, clock: deps.clock, random: deps.random,
      sender: {
        send: async (batch, item, messageId) => {
          const sent = await this.sendOne(batch.token, batch.action, { ...batch.body, number: item.number }, {
            messageId, preloaded: batch.media, mediaCache: this.cacheFor(batch.id),
          })
          return String((sent.key as { id?: string } | undefined)?.id ?? messageId)
        },
        waitForOpen: (token, signal) => waitForOpen(deps.sessions, deps.bus, token, signal),
        newMessageId: (token) => generateMessageIDV2(deps.sessions.get(token)?.user?.id),
        isTransient: isConnectionError,
        finished: async (batch) => {
          this.mediaCaches.delete(batch.id)
          await this.batchMedia.drop(batch.id)
        },
      },
    })
  }

  /**
   * The fetcher and downloader for a request: public addresses only for a scoped API key (or when
   * MEDIA_ALLOW_PRIVATE is off), through the instance's proxy when it has one.
   */
  private agentsFor(token: string, publicOnlyFetch = false): { fetcher: MediaFetcher; downloader: MediaDownloader } {
    const strict = publicOnlyFetch || !this.deps.config.mediaAllowPrivate
    const proxy = this.deps.sessions.get(token)?.effectiveProxy
    const key = `${strict}|${proxy ?? ''}`
    let agents = this.mediaAgents.get(key)
    if (!agents) {
      const policy = strict ? publicOnly : allowAll
      // Sandbox: the simulator's media host is on loopback; that one host:port is trusted, not loopback.
      agents = {
        fetcher: new MediaFetcher(policy, this.tmpDir, undefined, proxy),
        downloader: new MediaDownloader(policy, this.deps.logger, this.deps.trustedMedia, proxy),
      }
      this.mediaAgents.set(key, agents)
    }
    return agents
  }

  private mediaDeps(token: string, publicOnlyFetch = false): MediaSourceDeps {
    return { fetcher: this.agentsFor(token, publicOnlyFetch).fetcher, tmpDir: this.tmpDir, limits: { maxBytes: this.deps.config.mediaMaxBytes, timeoutMs: this.deps.config.mediaTimeoutMs } }
  }

  /** Loads a slot's media; the main slot takes the multipart upload when there is one. */
  private loadSlot(token: string, input: MediaInput, slot: MediaSlot, upload: UploadedFile | undefined, publicOnlyFetch?: boolean): Promise<LocalMedia & { owned: boolean }> {
    return loadMedia(slot === 'main' && upload ? { ...input, url: undefined, base64: undefined, upload } : input, this.mediaDeps(token, publicOnlyFetch))
  }

  private findMessage(token: string, id: string) {
    return this.deps.findMessage?.(token, id)
  }

  /** A stored message's key by id (edits and reactions fill what the caller left out). */
  private keyFinder(token: string) {
    return async (id: string) => (await this.findMessage(token, id))?.key as WAMessageKey | undefined
  }

  /** Runs a send action: one number → the sent message (JSON); an array → {batchId, total}. */
  async execute(action: string, body: Body, extras: ExecuteExtras = {}): Promise<unknown> {
    try {
      if (!BUILDERS[action]) throw badRequest(`unknown send action "${action}"`)
      if (extras.upload && (body.url || body.base64)) throw badRequest('give only one of url, base64 or a multipart "file"')
      if (Array.isArray(body.number)) return await this.enqueue(action, body, extras)
      return await this.sendOne(String(body.token), action, body, { upload: extras.upload, messageId: extras.fixed?.messageId, publicOnly: extras.publicOnly })
    } finally {
      await removeQuietly(extras.upload?.path)
    }
  }

  private async sendOne(token: string, action: string, body: Body, opts: DeliverOptions & { upload?: UploadedFile; preloaded?: Record<string, StoredMedia>; publicOnly?: boolean }): Promise<Record<string, unknown>> {
    const sock = this.deps.sessions.requireOpen(token)
    const jid = await this.recipients.resolve(token, sock, targetOf(body.number))
    const owned: string[] = []
    const ctx: BuildContext = {
      jid,
      media: async (input, slot) => {
        const kept = opts.preloaded?.[slot]
        if (kept) return { ...kept, kind: kept.kind as MediaKind }
        const m = await this.loadSlot(token, input, slot, opts.upload, opts.publicOnly)
        if (m.owned && m.path !== opts.upload?.path) owned.push(m.path)
        return m
      },
      headerImage: async (path, mimetype) => {
        // In a batch the shared mediaCache makes this one upload for all numbers.
        const cache = opts.mediaCache as Parameters<typeof prepareWAMessageMedia>[1]['mediaCache']
        const prepared = await prepareWAMessageMedia({ image: { url: path }, mimetype }, { upload: sock.waUploadToServer, logger: this.deps.logger, mediaCache: cache })
        if (!prepared.imageMessage) throw new AppError(502, 'the header image could not be uploaded')
        return prepared.imageMessage
      },
      findKey: this.keyFinder(token),
    }
    try {
      const built = await BUILDERS[action](body, ctx)
      const quoted = await quotedMessage(body.quoted, jid, (id) => this.findMessage(token, id))
      const sent = await deliver(sock, jid, built, { ...opts, quoted })
      return toWire(sent)
    } catch (err) {
      throw mapSendError(err)
    } finally {
      await Promise.all(owned.map(removeQuietly))
    }
  }

  /** Validates the batch by building it once (media loaded and kept), then queues it. */
  private async enqueue(action: string, body: Body, extras: ExecuteExtras): Promise<{ batchId: string; total: number }> {
    const token = String(body.token)
    this.deps.sessions.requireOpen(token)
    const cap = this.deps.config.maxQueuedBatches
    if (this.store.countUnfinished(token) >= cap) {
      throw tooMany(`instance "${token}" already has ${cap} unfinished bulk batches (MAX_QUEUED_BATCHES); wait for them to finish or cancel some`)
    }
    const numbers = (body.number as unknown[]).map((n, i) => {
      targetOf(n, `number[${i}]`)
      return String(n)
    })
    const { number: _n, delay, base64: _b, ...rest } = body
    const { minDelayMs, maxDelayMs } = delayRange(delay, this.deps.config)
    const batchId = extras.fixed?.batchId ?? randomUUID()
    // A keyed retry after a crash: the batch was already queued (and goes on by itself).
    const queued = this.store.get(batchId)
    if (queued) return { batchId, total: queued.total }
    const media: Record<string, StoredMedia> = {}
    const dryRun: BuildContext = {
      jid: targetOf(numbers[0]).jid,
      media: async (input: MediaInput, slot: MediaSlot): Promise<LocalMedia> => {
        const m = await this.loadSlot(token, input, slot, extras.upload, extras.publicOnly)
        media[slot] = await this.batchMedia.keep(batchId, slot, m)
        return { ...media[slot], kind: m.kind }
      },
      headerImage: async () => ({}),
      findKey: this.keyFinder(token),
    }
    try {
      await BUILDERS[action](body, dryRun)
    } catch (err) {
      await this.batchMedia.drop(batchId)
      throw err instanceof AppError ? err : badRequest(String(err))
    }
    const batch: BatchRecord = {
      id: batchId, token, action, body: rest, media, minDelayMs, maxDelayMs,
      status: 'queued', total: numbers.length, createdAt: Date.now(), nextAt: 0,
    }
    this.queue.enqueue(batch, numbers)
    return { batchId, total: numbers.length }
  }

  private cacheFor(batchId: string) {
    let c = this.mediaCaches.get(batchId)
    if (!c) this.mediaCaches.set(batchId, (c = memoryCache()))
    return c
  }

  // ---- non-send calls -------------------------------------------------------------------------

  private open(token: unknown): WASocket {
    return this.deps.sessions.requireOpen(String(token))
  }

  async isExists(body: Body): Promise<{ exists: boolean; jid: string }> {
    const sock = this.open(body.token)
    return q.isExists(String(body.token), sock, this.recipients, targetOf(body.number))
  }

  async profilePicture(body: Body): Promise<string> {
    const sock = this.open(body.token)
    const high = body.highrest ?? body.highres
    return q.profilePicture(sock, targetOf(body.number).jid, high === true || high === 'true')
  }

  async readMessages(body: Body): Promise<{ read: number }> {
    const sock = this.open(body.token)
    const raw = (Array.isArray(body.keys) ? body.keys : [body.key]) as Array<Record<string, unknown>>
    const keys: WAMessageKey[] = raw.map((k) => ({
      remoteJid: typeof k.remoteJid === 'string' ? targetOf(k.remoteJid, 'keys.remoteJid').jid : undefined,
      id: String(k.id),
      fromMe: k.fromMe === true,
      participant: typeof k.participant === 'string' ? k.participant : undefined,
    }))
    return q.readMessages(sock, keys)
  }

  async sendPresence(body: Body): Promise<{ jid: string; presence: string }> {
    const sock = this.open(body.token)
    return q.sendPresence(sock, targetOf(body.number).jid, String(body.presence) as q.PresenceName)
  }

  /** Decrypts a received media message given by key (looked up in the store) or as JSON. */
  async downloadMedia(body: Body, opts: { publicOnly?: boolean } = {}): Promise<Download> {
    const token = String(body.token)
    const sock = this.open(token)
    let raw: unknown = body.message
    if (!raw) {
      const id = String((body.key as { id?: unknown } | undefined)?.id ?? '')
      if (!this.deps.findMessage) throw notFound('the message store is not available: pass the full `message` (as message-upsert delivered it) instead of `key`')
      raw = await this.findMessage(token, id)
      if (!raw) throw notFound(`message ${id} is not in the store; pass the full \`message\` instead`)
    }
    try {
      return await this.agentsFor(token, opts.publicOnly).downloader.download(sock, messageFromJson(raw))
    } catch (err) {
      if (err instanceof InvalidMessageError) throw badRequest(err.message)
      throw err
    }
  }

  // ---- batches --------------------------------------------------------------------------------

  batch(id: string): BatchView | undefined {
    return viewBatch(this.store, id)
  }

  cancelBatch(id: string): boolean {
    return this.queue.cancel(id)
  }

  /** Boot, before the server listens: removes what a crashed process left in the temp folder
   *  (later, uploads of live requests land there too). */
  async clearTemp(): Promise<void> {
    await clearDir(this.tmpDir)
    await this.batchMedia.sweep(new Set(this.store.unfinished().map((b) => b.id)))
  }

  /** Boot: restarts unfinished batches. */
  resume(): number {
    const n = this.queue.resume()
    if (n) this.deps.logger.info({ batches: n }, 'resuming unfinished bulk batches')
    return n
  }

  async close(): Promise<void> {
    await this.queue.close()
    await Promise.all([...this.mediaAgents.values()].flatMap((a) => [a.fetcher.close(), a.downloader.close()]))
  }
}
