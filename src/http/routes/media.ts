// Media in and out over HTTP: the multipart upload for send-media / send-sticker (field `file`,
// stored on disk, never in memory) and download-media, which streams the decrypted bytes.
import { mkdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Request, RequestHandler } from 'express'
import multer from 'multer'
import { AppError, badRequest } from '../../errors.js'
import type { Messenger } from '../../messaging/messenger.js'
import { uniqueName } from '../../messaging/temp-files.js'
import { downloadRules } from '../../messaging/validators.js'
import { MAX_FORM_FIELDS } from '../body-parsers.js'
import { scopeOf } from '../scope.js'
import { defineRoutes } from '../route.js'

/** Fields a multipart form can only carry as text; JSON in them is parsed (number arrays, delay). */
const JSON_FIELDS = ['number', 'delay', 'quoted', 'mentions', 'key']

export function uploadMiddleware(dir: string, maxBytes: number): RequestHandler {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const parse = multer({
    storage: multer.diskStorage({
      destination: dir,
      filename: (_req, _file, cb) => cb(null, uniqueName('upload')),
    }),
    limits: { fileSize: maxBytes, files: 1, fields: MAX_FORM_FIELDS, fieldSize: 1024 * 1024 },
  }).single('file')
  return (req, res, next) => {
    // Whatever happens next (validation error, send, batch), the temp upload never outlives the request.
    res.on('close', () => {
      if (req.file?.path) void rm(req.file.path, { force: true }).catch(() => undefined)
    })
    parse(req, res, (err: unknown) => {
      if (!err) {
        if (req.is('multipart/form-data')) parseJsonFields(req)
        return next()
      }
      const e = err as { code?: string; message?: string }
      if (e.code === 'LIMIT_FILE_SIZE') return next(new AppError(413, `file: larger than the limit of ${maxBytes} bytes (MEDIA_MAX_BYTES)`))
      if (e.code === 'LIMIT_UNEXPECTED_FILE') return next(badRequest('send exactly one file, in the multipart field "file"'))
      next(badRequest(`multipart: ${e.message ?? 'malformed form'}`))
    })
  }
}

function parseJsonFields(req: Request): void {
  const body = (req.body ?? {}) as Record<string, unknown>
  for (const f of JSON_FIELDS) {
    const v = body[f]
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        body[f] = JSON.parse(v)
      } catch {
        // leave it: the validator will say what is wrong
      }
    }
  }
  req.body = body
}

/** The uploaded file as plain data for the messenger. */
export const uploadOf = (req: Request) =>
  req.file ? { path: req.file.path, size: req.file.size, mimetype: req.file.mimetype, originalName: req.file.originalname } : undefined

/**
 * RFC 6266 Content-Disposition: an ASCII fallback (`filename`, anything outside printable ASCII,
 * quotes and backslashes become `_`) and the exact UTF-8 name in `filename*` (RFC 8187 encoding).
 */
export function attachmentHeader(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_').slice(0, 200) || 'download'
  // Lone surrogates (possible in a caller's message JSON) would make encodeURIComponent throw.
  const exact = encodeURIComponent(fileName.replace(/[\uD800-\uDFFF]/gu, '\uFFFD')).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}

export function mediaRoutes(messenger: Messenger) {
  return defineRoutes([
    {
      method: 'post',
      path: '/whatsapp/download-media',
      tag: 'Messages',
      summary: 'Decrypt a received media message ({token, key} from the store, or {token, message} as message-upsert delivered it) and stream its bytes',
      produces: ['application/octet-stream'],
      validators: downloadRules(),
      handler: async (req, res) => {
        const d = await messenger.downloadMedia(req.body as Record<string, unknown>, { publicOnly: !scopeOf(req).admin })
        try {
          res.setHeader('Content-Type', /^[\x20-\x7e]+$/.test(d.mimetype) ? d.mimetype : 'application/octet-stream')
          res.setHeader('Content-Disposition', attachmentHeader(d.fileName))
          res.setHeader('X-Content-Type-Options', 'nosniff')
        } catch (err) {
          d.stream.destroy() // the open download must not outlive a request that failed before piping
          throw err
        }
        try {
          await pipeline(d.stream, res)
        } catch {
          // The client went away or the download failed mid-way: headers are out, so end both sides.
          d.stream.destroy()
          res.destroy()
        }
      },
    },
  ])
}
