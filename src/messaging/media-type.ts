// Decides what a piece of media is sent as (image, video, audio, document, sticker) and with which
// mimetype and file name, from the request's `type`/`mimetype` and what the source declared.
import mime from 'mime-types'
import { badRequest } from '../errors.js'

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker'

/** The seed's document types: each is sent as a document with the mimetype of that extension. */
export const DOCUMENT_TYPES = ['pdf', 'xls', 'xlsx', 'doc', 'docx', 'zip', 'mp3'] as const
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker', ...DOCUMENT_TYPES] as const
export type MediaTypeName = (typeof MEDIA_TYPES)[number]

export interface MediaRequest {
  type?: string
  mimetype?: string
  fileName?: string
}

export interface SourceFacts {
  /** What the source said (HTTP Content-Type, data: URL, upload part), parameters stripped. */
  contentType?: string
  /** A name from the source (URL path, Content-Disposition, upload). */
  fileName?: string
  /** What the first bytes announce (media-sniff), the last resort when nothing else says. */
  sniffed?: string
}

export interface ResolvedMedia {
  kind: MediaKind
  mimetype: string
  fileName?: string
}

/** Content types that say nothing about the bytes. */
const GENERIC = new Set(['application/octet-stream', 'binary/octet-stream', 'application/binary', 'application/x-download', 'application/force-download'])

const DEFAULT_MIME: Record<MediaKind, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg; codecs=opus',
  document: 'application/octet-stream',
  sticker: 'image/webp',
}

export const isMimeType = (v: unknown): v is string =>
  typeof v === 'string' && /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;\s*[a-z0-9_-]+=[^;]{1,64})*$/i.test(v)

/** Without an explicit `type`, image/webp is an image too: stickers are asked for by type or endpoint. */
const kindOfMime = (m: string): MediaKind =>
  m.startsWith('image/') ? 'image' : m.startsWith('video/') ? 'video' : m.startsWith('audio/') ? 'audio' : 'document'

const fitsKind = (m: string, kind: MediaKind): boolean =>
  kind === 'document' ? true : kind === 'sticker' ? m === 'image/webp' : m.startsWith(`${kind}/`)

const extOf = (name: string | undefined) => (name && /\.([a-z0-9]{1,10})$/i.exec(name)?.[1]?.toLowerCase()) || undefined

function withExtension(name: string, mimetype: string): string {
  if (extOf(name)) return name
  const ext = mime.extension(mimetype.split(';')[0])
  return ext ? `${name}.${ext}` : name
}

/** Applies the rules; throws a clear 400 when the source contradicts what was asked for. */
export function resolveMedia(req: MediaRequest, src: SourceFacts): ResolvedMedia {
  const declared = src.contentType && !GENERIC.has(src.contentType) ? src.contentType : undefined
  const byName = (() => {
    const ext = extOf(req.fileName) ?? extOf(src.fileName)
    const m = ext ? mime.lookup(ext) : false
    return m || undefined
  })()
  const name = req.fileName ?? src.fileName
  const type = req.type as MediaTypeName | undefined

  if (type && (DOCUMENT_TYPES as readonly string[]).includes(type)) {
    const mimetype = req.mimetype ?? (mime.lookup(type) || DEFAULT_MIME.document)
    if (declared === 'text/html' && mimetype !== 'text/html') {
      throw badRequest(`the source is an HTML page, not a ${type} file`)
    }
    return { kind: 'document', mimetype, fileName: withExtension(name ?? 'file', mimetype) }
  }

  // Without type or mimetype, the source tells: its content type, then its name, then its bytes.
  const detected = declared ?? byName ?? src.sniffed
  if (!type && !req.mimetype && !detected) {
    throw badRequest('type or mimetype is required: the media\'s kind could not be told from its content type, file name or first bytes')
  }
  const kind: MediaKind = type ? (type as MediaKind) : kindOfMime(req.mimetype ?? detected ?? '')
  let mimetype = req.mimetype
  if (!mimetype) {
    const looksLike = byName ?? src.sniffed
    if (declared && fitsKind(declared, kind)) mimetype = declared
    else if (declared && kind !== 'document') {
      throw badRequest(`the source is ${declared}, which cannot be sent as ${kind === 'sticker' ? 'a sticker (needs image/webp)' : `type ${kind}`}`)
    } else if (byName && fitsKind(byName, kind)) mimetype = byName
    else if (src.sniffed && fitsKind(src.sniffed, kind)) mimetype = src.sniffed
    else if (looksLike && kind === 'sticker') throw badRequest(`a sticker must be image/webp, the source looks like ${looksLike}`)
    else mimetype = DEFAULT_MIME[kind]
  } else if (type && !fitsKind(mimetype, kind)) {
    throw badRequest(`mimetype ${mimetype} does not fit type ${type}`)
  }
  return { kind, mimetype, fileName: kind === 'document' ? withExtension(name ?? 'file', mimetype) : name }
}
