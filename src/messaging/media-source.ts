// One place that turns the three ways of giving media (URL, base64, multipart upload) into a
// local file plus what it is. The caller deletes `path` when `owned` is true.
import { writeFile } from 'node:fs/promises'
import { AppError, badRequest } from '../errors.js'
import { tooLarge, type FetchLimits, type MediaFetcher } from './media-fetch.js'
import { sniffFile } from './media-sniff.js'
import { resolveMedia, type MediaRequest, type ResolvedMedia } from './media-type.js'
import { removeQuietly, tempPath } from './temp-files.js'

/** A file the HTTP layer already stored (multer disk storage); plain data, no Express types. */
export interface UploadedFile {
  path: string
  size: number
  mimetype?: string
  originalName?: string
}

export interface MediaInput extends MediaRequest {
  url?: string
  base64?: string
  upload?: UploadedFile
}

export interface LocalMedia extends ResolvedMedia {
  path: string
  size: number
}

export interface MediaSourceDeps {
  fetcher: MediaFetcher
  limits: FetchLimits
  tmpDir: string
}

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]+)*?);base64,/i

/** Decodes base64 (plain or a data: URL) into a temp file, refusing oversized input before decoding. */
async function base64ToFile(input: string, deps: MediaSourceDeps): Promise<{ path: string; size: number; contentType?: string }> {
  const m = DATA_URL.exec(input)
  const payload = m ? input.slice(m[0].length) : input
  const approx = Math.floor((payload.length * 3) / 4)
  if (approx > deps.limits.maxBytes + 2) throw tooLarge(deps.limits.maxBytes)
  const clean = payload.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length === 0) throw badRequest('base64: is not valid base64')
  const buf = Buffer.from(clean, 'base64')
  if (buf.length > deps.limits.maxBytes) throw tooLarge(deps.limits.maxBytes)
  const path = await tempPath(deps.tmpDir, 'b64')
  await writeFile(path, buf, { mode: 0o600 })
  return { path, size: buf.length, contentType: m?.[1]?.toLowerCase() }
}

export async function loadMedia(input: MediaInput, deps: MediaSourceDeps): Promise<LocalMedia & { owned: boolean }> {
  const given = [input.url, input.base64, input.upload].filter((v) => v !== undefined && v !== null && v !== '')
  if (given.length === 0) throw badRequest('one of url, base64 or a multipart "file" is required')
  if (given.length > 1) throw badRequest('give only one of url, base64 or a multipart "file"')
  if (input.upload) {
    const u = input.upload
    if (u.size > deps.limits.maxBytes) throw tooLarge(deps.limits.maxBytes)
    if (u.size === 0) throw badRequest('file: the upload is empty (0 bytes)')
    const contentType = u.mimetype?.split(';')[0].trim().toLowerCase()
    const resolved = resolveMedia(input, { contentType, fileName: u.originalName, sniffed: await sniffFile(u.path) })
    return { ...resolved, path: u.path, size: u.size, owned: true }
  }
  const file = input.url ? await deps.fetcher.fetchToFile(input.url, deps.limits) : await base64ToFile(String(input.base64), deps)
  try {
    const fileName = 'fileName' in file && typeof file.fileName === 'string' ? file.fileName : undefined
    const resolved = resolveMedia(input, { contentType: file.contentType, fileName, sniffed: await sniffFile(file.path) })
    if (file.size === 0) throw badRequest('the media is empty (0 bytes)')
    return { ...resolved, path: file.path, size: file.size, owned: true }
  } catch (err) {
    await removeQuietly(file.path)
    throw err instanceof AppError ? err : badRequest(String(err))
  }
}
