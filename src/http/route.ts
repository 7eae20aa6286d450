// Every endpoint is declared as a RouteDef: the app mounts them, the auth test walks them, and the
// OpenAPI document is built from them, so no route can skip auth or the docs.
import type { Request, RequestHandler, Response, Router } from 'express'
import type { ValidationChain } from 'express-validator'
import { bodyShapeProblem, wildcardFields } from './body-shape.js'
import { multipartFields } from './body-parsers.js'
import { sendFail, sendOk } from './envelope.js'
import { validate } from './validate.js'

export type HttpMethod = 'get' | 'post' | 'put' | 'delete'

export interface RouteDef {
  method: HttpMethod
  /** Path under /api, in express syntax (e.g. `/whatsapp/instances/:token/qr`). */
  path: string
  summary: string
  tag: string
  validators?: ValidationChain[]
  /** Middlewares that run before validation (e.g. a multipart parser). */
  before?: RequestHandler[]
  /**
   * Returns the `data` of a success envelope; a handler that writes the response itself
   * (an image, a stream) returns nothing after writing.
   */
  handler: (req: Request, res: Response) => unknown
  /** Extra OpenAPI facts the validators cannot express: response content types... */
  produces?: string[]
  /** ...and request content types besides JSON (e.g. multipart/form-data for uploads). */
  consumes?: string[]
  /** Takes base64 media in JSON: parsed with BODY_LIMIT instead of the small JSON_LIMIT. */
  largeBody?: boolean
}

/** Body parsers per route kind: small for every route, large for the ones that carry base64 media. */
export interface BodyParsers {
  small: RequestHandler[]
  large: RequestHandler[]
}

export const defineRoutes = (routes: RouteDef[]): RouteDef[] => routes

export function mountRoutes(router: Router, routes: RouteDef[], parsers?: BodyParsers): void {
  for (const r of routes) {
    // Counted before any (quadratic) wildcard chain runs: see body-shape.ts.
    const fields = wildcardFields(r.validators ?? [])
    const shape: RequestHandler = (req, res, next) => {
      const problem = bodyShapeProblem(req.body, fields)
      if (problem) return sendFail(res, 400, problem)
      next()
    }
    const run: RequestHandler = async (req, res) => {
      const data = await r.handler(req, res)
      if (!res.headersSent) sendOk(res, data ?? null)
    }
    const parse = parsers ? (r.largeBody ? parsers.large : parsers.small) : []
    // A route with its own body parser (an upload) keeps it; every other POST reads multipart text fields.
    const forms = r.before ?? (r.method === 'post' ? [multipartFields] : [])
    router[r.method](r.path, ...parse, ...forms, shape, ...validate(r.validators ?? []), run)
  }
}
