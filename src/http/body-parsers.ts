// Bodies as PHP, Laravel (`Http::asForm()`), Postman and curl send them, besides JSON: urlencoded
// forms with nested keys (`number[0]=…&delay[min]=2`, http_build_query's shape) and the text
// fields of multipart forms. The same validators then see the same shapes as with JSON.
import express, { type RequestHandler } from 'express'
import busboy from 'busboy'
import { AppError, badRequest } from '../errors.js'
import { MAX_BATCH } from '../messaging/validators.js'
import { FormFields, parseForm } from './form-parse.js'

/** Enough form fields for the largest bulk batch (one field per number) plus the rest of a send. */
export const MAX_FORM_FIELDS = MAX_BATCH + 1000
/**
 * Text fields of one multipart form on a non-upload route: parsing a part costs far more than a
 * urlencoded pair, so large lists (bulk numbers) go as JSON or urlencoded instead.
 */
export const MAX_MULTIPART_FIELDS = 2048
/** One text field of a multipart form (long texts, base64 media belongs in `file`). */
const MAX_FIELD_BYTES = 1024 * 1024

class LooksLikeJsonError extends Error {
  readonly status = 415
  readonly expose = true
  constructor() {
    super('this body is JSON but was sent as a form (curl -d sends application/x-www-form-urlencoded): set the header Content-Type: application/json')
  }
}

/** `application/x-www-form-urlencoded` with nested arrays and objects (qs syntax, parsed in linear time). */
export function formBody(limit: string): RequestHandler {
  const FORM = 'application/x-www-form-urlencoded'
  const raw = express.text({ type: FORM, limit })
  return (req, res, next) => {
    if (!req.is(FORM)) return next()
    raw(req, res, (err: unknown) => {
      if (err) return next(err)
      const text = typeof req.body === 'string' ? req.body : ''
      // `curl -d '{"token":…}'` without a content type: say what to fix instead of "token is required".
      if (/^\s*[[{]/.test(text)) return next(new LooksLikeJsonError())
      try {
        req.body = parseForm(text, MAX_FORM_FIELDS)
      } catch (e) {
        return next(e)
      }
      next()
    })
  }
}

/**
 * The text fields of a `multipart/form-data` body (no files: routes that take one parse their own),
 * built into nested objects by the same linear builder as urlencoded forms (multer's per-field
 * merge was as slow as qs on thousands of nested names).
 */
export const multipartFields: RequestHandler = (req, _res, next) => {
  if (!req.is('multipart/form-data')) return next()
  let parser: busboy.Busboy
  try {
    parser = busboy({ headers: req.headers, limits: { files: 0, fields: MAX_MULTIPART_FIELDS, fieldSize: MAX_FIELD_BYTES } })
  } catch (err) {
    return next(badRequest(`multipart: ${(err as Error).message}`))
  }
  const fields = new FormFields(MAX_MULTIPART_FIELDS)
  let settled = false
  const fail = (err: Error) => {
    if (settled) return
    settled = true
    req.unpipe(parser)
    req.resume() // drain what is left so the connection can answer
    next(err)
  }
  const noFile = () => fail(badRequest('this route takes no file, only text fields'))
  parser.on('field', (name, value, info) => {
    if (settled) return
    if (info.valueTruncated) return fail(new AppError(413, `a form field is larger than ${MAX_FIELD_BYTES} bytes`))
    try {
      fields.add(name, value)
    } catch (err) {
      fail(err as Error)
    }
  })
  parser.on('file', (_name, stream) => {
    stream.resume()
    noFile()
  })
  parser.on('filesLimit', noFile)
  parser.on('fieldsLimit', () => fail(new AppError(413, `too many multipart fields (at most ${MAX_MULTIPART_FIELDS}; send large lists as JSON)`)))
  parser.on('error', (err) => fail(badRequest(`multipart: ${(err as Error).message}`)))
  parser.on('close', () => {
    if (settled) return
    settled = true
    req.body = fields.body()
    next()
  })
  req.pipe(parser)
}

/**
 * Non-upload routes: a multipart body counts against the same small limit as JSON (multer alone
 * bounds each field, not their sum). A body without Content-Length is refused (411) rather than read.
 */
export function multipartCap(limit: string): RequestHandler {
  const [, n, unit] = /^(\d+)(b|kb|mb)$/i.exec(limit) ?? ['', '1', 'mb']
  const max = Number(n) * ({ b: 1, kb: 1024, mb: 1024 * 1024 } as Record<string, number>)[unit.toLowerCase()]
  return (req, _res, next) => {
    if (!req.is('multipart/form-data')) return next()
    const length = Number(req.headers['content-length'])
    if (!Number.isFinite(length)) return next(new AppError(411, 'multipart bodies need a Content-Length'))
    if (length > max) return next(new AppError(413, `request body is too large (at most ${limit} on this route)`))
    next()
  }
}
