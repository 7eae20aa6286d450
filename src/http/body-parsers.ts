// Bodies as PHP, Laravel (`Http::asForm()`), Postman and curl send them, besides JSON: urlencoded
// forms with nested keys (`number[0]=…&delay[min]=2`, http_build_query's shape) and the text
// fields of multipart forms. The same validators then see the same shapes as with JSON.
import express, { type RequestHandler } from 'express'
import multer from 'multer'
import { AppError, badRequest } from '../errors.js'
import { MAX_BATCH } from '../messaging/validators.js'

/** Enough form fields for the largest bulk batch (one field per number) plus the rest of a send. */
export const MAX_FORM_FIELDS = MAX_BATCH + 1000
/** One text field of a multipart form (long texts, base64 media belongs in `file`). */
const MAX_FIELD_BYTES = 1024 * 1024

class LooksLikeJsonError extends Error {
  readonly status = 415
  readonly expose = true
  constructor() {
    super('this body is JSON but was sent as a form (curl -d sends application/x-www-form-urlencoded): set the header Content-Type: application/json')
  }
}

/** `application/x-www-form-urlencoded` with nested arrays and objects (qs syntax). */
export function formBody(limit: string): RequestHandler {
  return express.urlencoded({
    extended: true,
    limit,
    parameterLimit: MAX_FORM_FIELDS,
    // `curl -d '{"token":…}'` without a content type: say what to fix instead of "token is required".
    verify: (_req, _res, buf) => {
      const first = buf.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)
      if (first === 0x7b || first === 0x5b) throw new LooksLikeJsonError()
    },
  })
}

const textFields = multer({ limits: { files: 0, fields: MAX_FORM_FIELDS, fieldSize: MAX_FIELD_BYTES } }).none()

/** The text fields of a `multipart/form-data` body (no files: routes that take one parse their own). */
export const multipartFields: RequestHandler = (req, res, next) => {
  if (!req.is('multipart/form-data')) return next()
  textFields(req, res, (err: unknown) => {
    if (!err) return next()
    const e = err as { code?: string; message?: string }
    if (e.code === 'LIMIT_UNEXPECTED_FILE' || e.code === 'LIMIT_FILE_COUNT') return next(badRequest('this route takes no file, only text fields'))
    if (e.code === 'LIMIT_FIELD_VALUE') return next(new AppError(413, `a form field is larger than ${MAX_FIELD_BYTES} bytes`))
    if (e.code?.startsWith('LIMIT_')) return next(new AppError(413, `multipart: ${e.message ?? 'too large'}`))
    next(badRequest(`multipart: ${e.message ?? 'malformed form'}`))
  })
}
