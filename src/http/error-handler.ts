// The one error handler: known errors become a 4xx envelope; anything else is logged and a
// generic 500 is returned, never a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express'
import { AppError } from '../errors.js'
import type { Logger } from '../logger.js'
import { sendFail } from './envelope.js'
import { requestPath } from './route.js'

interface BodyParserError { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string }

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.end()
      return
    }
    if (err instanceof AppError) return sendFail(res, err.status, err.message)
    const e = err as BodyParserError
    const status = e.status ?? e.statusCode
    if (e.type === 'entity.too.large') return sendFail(res, 413, 'request body is too large')
    if (e.type === 'entity.parse.failed') return sendFail(res, 400, 'malformed JSON body')
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendFail(res, status, e.expose && e.message ? e.message : 'bad request')
    }
    if ((err as { code?: string }).code?.startsWith('LIMIT_')) return sendFail(res, 413, String((err as Error).message))
    logger.error({ err, path: req.path }, 'unhandled error')
    sendFail(res, 500, 'internal error')
  }
}

export const notFoundHandler: RequestHandler = (req, res) => sendFail(res, 404, `no route ${req.method} ${requestPath(req)}`)
