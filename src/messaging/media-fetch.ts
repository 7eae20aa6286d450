// Fetches a caller-supplied media URL into a temp file: http(s) only, redirects followed by hand
// (each hop re-checked), SSRF guard on every resolved address, a size cap enforced while
// streaming, and one timeout for the whole transfer. The body is never buffered in memory.
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { request } from 'undici'
import { AppError, badRequest } from '../errors.js'
import { GuardedAgent } from '../util/guarded-agent.js'
import { findBlocked, type AddressPolicy } from '../util/net-guard.js'
import { tempPath } from './temp-files.js'

export interface FetchLimits {
  maxBytes: number
  timeoutMs: number
  maxRedirects?: number
}

export interface FetchedFile {
  path: string
  size: number
  /** Content-Type of the final response without parameters, lower-cased; undefined if absent. */
  contentType?: string
  /** From Content-Disposition, else the last URL path segment. */
  fileName?: string
  finalUrl: string
}

export const tooLarge = (maxBytes: number) => new AppError(413, `media is larger than the limit of ${maxBytes} bytes (MEDIA_MAX_BYTES)`)

function fileNameFrom(disposition: string | undefined, url: URL): string | undefined {
  const star = disposition && /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition)
  const plain = disposition && /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)
  let name: string | undefined
  try {
    name = star ? decodeURIComponent(star[1].trim()) : plain ? plain[1].trim() : decodeURIComponent(url.pathname.split('/').pop() ?? '')
  } catch {
    name = undefined
  }
  // Only a base name: a path from a remote header must never steer where anything is written.
  name = name?.split(/[\\/]/).pop()?.trim()
  return name ? name.slice(0, 200) : undefined
}

const header = (h: Record<string, string | string[] | undefined>, name: string) => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

export class MediaFetcher {
  private readonly agent: GuardedAgent

  constructor(policy: AddressPolicy, private readonly tmpDir: string, connectTimeoutMs = 10_000, proxy?: string) {
    this.agent = new GuardedAgent(policy, { connectTimeoutMs, proxy })
  }

  /** Downloads `rawUrl` to a temp file the caller owns (delete it when done). */
  async fetchToFile(rawUrl: string, limits: FetchLimits): Promise<FetchedFile> {
    let url: URL
    try {
      url = new URL(rawUrl)
    } catch {
      throw badRequest(`url: "${rawUrl.slice(0, 100)}" is not a valid URL`)
    }
    const signal = AbortSignal.timeout(limits.timeoutMs)
    const maxRedirects = limits.maxRedirects ?? 5
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw badRequest(`url: only http and https URLs are fetched${hop ? ' (a redirect pointed to ' + url.protocol + ')' : ''}`)
      }
      if (url.username || url.password) throw badRequest('url: credentials in URLs are not allowed')
      try {
        const res = await request(url, {
          dispatcher: this.agent,
          method: 'GET',
          signal,
          headers: { 'user-agent': 'whatsapp-gateway-media/1.0', accept: '*/*' },
        })
        const location = header(res.headers, 'location')
        if (res.statusCode >= 300 && res.statusCode < 400 && location) {
          await res.body.dump()
          if (hop >= maxRedirects) throw badRequest(`url: more than ${maxRedirects} redirects`)
          url = new URL(location, url)
          continue
        }
        if (res.statusCode < 200 || res.statusCode >= 300) {
          await res.body.dump()
          throw badRequest(`url: the server answered HTTP ${res.statusCode}`)
        }
        const declared = Number(header(res.headers, 'content-length'))
        if (Number.isFinite(declared) && declared > limits.maxBytes) {
          res.body.on('error', () => undefined) // destroying emits an abort error nobody else awaits
          res.body.destroy()
          throw tooLarge(limits.maxBytes)
        }
        const path = await tempPath(this.tmpDir, 'fetch')
        const size = await this.streamTo(res.body, path, limits.maxBytes)
        const type = header(res.headers, 'content-type')?.split(';')[0].trim().toLowerCase()
        return { path, size, contentType: type || undefined, fileName: fileNameFrom(header(res.headers, 'content-disposition'), url), finalUrl: url.href }
      } catch (err) {
        throw this.explain(err, url, limits.timeoutMs)
      }
    }
  }

  private async streamTo(body: NodeJS.ReadableStream, path: string, maxBytes: number): Promise<number> {
    let size = 0
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length
        cb(size > maxBytes ? tooLarge(maxBytes) : null, chunk)
      },
    })
    try {
      await pipeline(body, counter, createWriteStream(path, { mode: 0o600 }))
    } catch (err) {
      await rm(path, { force: true })
      throw err
    }
    return size
  }

  /** Maps network failures to clear client errors; keeps AppErrors as they are. */
  private explain(err: unknown, url: URL, timeoutMs: number): Error {
    if (err instanceof AppError) return err
    const e = err as { name?: string; code?: string; message?: string }
    const blocked = findBlocked(err)
    if (blocked) return badRequest(`url: ${blocked.message}`)
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
      return new AppError(408, `url: fetching ${url.host} took longer than ${timeoutMs} ms (MEDIA_TIMEOUT_MS)`)
    }
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return badRequest(`url: host ${url.hostname} not found`)
    if (e.code === 'ECONNREFUSED') return badRequest(`url: ${url.host} refused the connection`)
    return badRequest(`url: could not fetch ${url.host}: ${e.code ?? e.message ?? 'network error'}`)
  }

  async close(): Promise<void> {
    await this.agent.close()
  }
}
