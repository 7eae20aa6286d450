// The Idempotency-Key contract on every POST under /api/whatsapp/: the first request with a key runs
// and its answer is kept; a repeat (same caller, key, method, path and body) gets the kept answer
// with `Idempotent-Replayed: true` and runs nothing; the same key with another body is a 422; a
// repeat while the first still runs is a 409 with Retry-After. Without the header nothing changes.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { Request, RequestHandler, Response } from 'express'
import type { Logger } from '../logger.js'
import type { IdempotencyStore, StoredResponse } from '../store/idempotency-types.js'
import { keyFromHeader } from './auth.js'
import { sendFail } from './envelope.js'
import type { RouteDef } from './route.js'

export const IDEMPOTENCY_HEADER = 'Idempotency-Key'
export const REPLAYED_HEADER = 'Idempotent-Replayed'
const VALID_KEY = /^[\x21-\x7e]{1,255}$/
/** Seconds a client should wait before retrying a key that is still running. */
const RETRY_AFTER_S = 1
const PURGE_EVERY_MS = 10 * 60_000

/**
 * Answers that are NOT kept, so a retry with the same key runs again (a keyed send reuses its fixed
 * message id, so the recipient still sees it once): 5xx, and the 4xx that say "try again later"
 * (408 timeout, 409 not connected / busy, 425, 429 rate limited). Every other answer is kept,
 * including 400/404/422 validation errors: the same request would get the same answer anyway.
 */
const TRANSIENT_4XX = new Set([408, 409, 425, 429])
export const keepsAnswer = (status: number): boolean => status < 500 && !TRANSIENT_4XX.has(status)

/** Routes that honour the header: every POST under /api/whatsapp/. */
export const takesIdempotencyKey = (r: Pick<RouteDef, 'method' | 'path'>): boolean => r.method === 'post' && r.path.startsWith('/whatsapp/')

/** The same routes with the guard placed after their body parsers (multipart too) and before validation. */
export function withIdempotency(routes: RouteDef[], guard: RequestHandler): RouteDef[] {
  return routes.map((r) => (takesIdempotencyKey(r) ? { ...r, guards: [...(r.guards ?? []), guard] } : r))
}

const seeds = new WeakMap<Request, string>()

/**
 * The stored random seed of a keyed request (undefined without the header). A send derives its
 * WhatsApp message id (or bulk batch id) from it, so a run cut by a crash and retried reuses them.
 */
export const idempotencySeedOf = (req: Request): string | undefined => seeds.get(req)

/** Whose keys these are: a hash of the credential (admin or API key) the request authenticated with. */
export function keyOwnerOf(req: Request): string {
  return createHash('sha256').update('idempotency-scope\0').update(keyFromHeader(req.headers.authorization) ?? '').digest('hex')
}

/** Object keys sorted at every depth, so {a,b} and {b,a} hash the same. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, canonical(o[k])]))
  }
  return v
}

async function fileDigest(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

/** Canonical hash of method, path and body; a multipart upload counts by its fields plus a digest of the file. */
export async function requestHash(req: Request): Promise<string> {
  const path = req.originalUrl.split('?')[0]
  const file = req.file ? { field: req.file.fieldname, sha256: await fileDigest(req.file.path) } : null
  return createHash('sha256').update(JSON.stringify([req.method, path, canonical(req.body ?? null), file])).digest('hex')
}

/** Headers the route itself set (X-Next-Before…), not those of middlewares that run on a replay too. */
function keptHeaders(res: Response, before: Set<string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (name.startsWith('x-') && !before.has(name) && value !== undefined) out[name] = String(value)
  }
  return out
}

function replay(res: Response, stored: StoredResponse): void {
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value)
  res.setHeader(REPLAYED_HEADER, 'true')
  res.status(stored.status).type('application/json').send(stored.body)
}

export interface IdempotencyOptions {
  store: IdempotencyStore
  ttlHours: number
  logger: Logger
  now?: () => number
}

/** The guard middleware; one per app instance (its owner id tells a crashed run from a live one). */
export function idempotency(opts: IdempotencyOptions): RequestHandler {
  const { store, logger } = opts
  const now = opts.now ?? Date.now
  const owner = randomUUID()
  const ttlMs = opts.ttlHours * 3_600_000
  let nextPurge = 0
  const purge = (t: number) => {
    if (t < nextPurge) return
    nextPurge = t + PURGE_EVERY_MS
    void store.purgeExpired(t).catch((err: unknown) => logger.warn({ err }, 'idempotency: purging expired keys failed'))
  }

  return async (req, res, next) => {
    const key = req.get(IDEMPOTENCY_HEADER)
    if (key === undefined) return next()
    if (!VALID_KEY.test(key)) return sendFail(res, 400, `${IDEMPOTENCY_HEADER}: must be 1 to 255 visible ASCII characters`)
    const scope = keyOwnerOf(req)
    const t = now()
    purge(t)
    const claim = await store.claim({
      scope, key, requestHash: await requestHash(req), owner, seed: randomBytes(16).toString('hex'), now: t, expiresAt: t + ttlMs,
    })
    if (claim.outcome === 'mismatch') {
      return sendFail(res, 422, `${IDEMPOTENCY_HEADER}: this key was already used for a different request (method, path or body); use a new key for a new request`)
    }
    if (claim.outcome === 'in-progress') {
      res.setHeader('Retry-After', String(RETRY_AFTER_S))
      return sendFail(res, 409, `${IDEMPOTENCY_HEADER}: a request with this key is still running; retry in a moment to get its answer`)
    }
    if (claim.outcome === 'replay') return replay(res, claim.response)

    seeds.set(req, claim.seed)
    captureAnswer(res, {
      keep: (answer) => store.complete(scope, key, owner, answer),
      forget: () => store.release(scope, key, owner),
      logger,
    })
    next()
  }
}

interface Capture {
  keep: (answer: StoredResponse) => Promise<void>
  forget: () => Promise<void>
  logger: Logger
}

/**
 * Every JSON answer (success or the error handler's envelope) passes through res.json: it is stored
 * before it is sent, so a client that saw an answer always gets the same one on a repeat. A route
 * that writes its own body (a download stream) is not stored: its key is released when it ends.
 */
function captureAnswer(res: Response, c: Capture): void {
  let settled = false
  const json = res.json.bind(res)
  const earlier = new Set(res.getHeaderNames())
  const settle = (store: () => Promise<void>, then: () => void) => {
    settled = true
    void store()
      .catch((err: unknown) => c.logger.error({ err }, 'idempotency: could not record the answer'))
      .then(then)
      .catch((err: unknown) => c.logger.warn({ err }, 'idempotency: sending the answer failed'))
  }
  res.json = (body: unknown) => {
    // The answer goes out after the store call: a second res.json meanwhile (a handler that answered
    // itself, then the route wrapper) would be a "headers already sent" error anyway; the first wins.
    if (settled) return res
    const status = res.statusCode
    const answer = { status, body: JSON.stringify(body) ?? 'null', headers: keptHeaders(res, earlier) }
    // status set again: a later res.status() (the dropped second answer's) must not change this one
    const record = () => (keepsAnswer(status) ? c.keep(answer) : c.forget())
    // If the answer cannot be kept, at least leave the key runnable again (same seed) instead of "running".
    settle(() => record().catch((err: unknown) => c.forget().finally(() => { throw err })), () => {
      res.status(status)
      json(body)
    })
    return res
  }
  const notJson = () => {
    // Headers out without res.json: the route streamed its answer. Before any header the handler is
    // still running (the client left early) and will answer through res.json later.
    if (!settled && res.headersSent) settle(c.forget, () => undefined)
  }
  res.on('finish', notJson)
  res.on('close', notJson)
}
