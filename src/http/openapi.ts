// The OpenAPI 3 reference, built from the app's own RouteDef list and the validator chains beside
// each route (see openapi-fields.ts), so it cannot drift from what the routes accept. Served as
// JSON at GET /api/openapi.json (itself a route) and as Swagger UI at /api/docs, both behind auth.
import { readFileSync } from 'node:fs'
import express, { type Express, type RequestHandler } from 'express'
import swaggerUi from 'swagger-ui-express'
import { IDEMPOTENCY_HEADER, takesIdempotencyKey } from './idempotency.js'
import { describeChain, placeField, type FieldDoc, type FieldLocation, type SchemaObject } from './openapi-fields.js'
import { defineRoutes, type RouteDef } from './route.js'

export const OPENAPI_PATH = '/openapi.json'
export const DOCS_URL = '/api/docs'
const SPEC_URL = `/api${OPENAPI_PATH}`

const AUTH_HELP =
  'Every route needs HTTP Basic auth: the user name is the AUTH key and the password is empty ' +
  '(`curl -u "$AUTH:"`, or the header `Authorization: Basic base64(AUTH + ":")`).'

const DESCRIPTION = [
  'Self-hosted WhatsApp gateway: REST API plus Socket.IO push.',
  AUTH_HELP,
  'Every JSON answer is an envelope: `{status: true, data}` on success, `{status: false, message}` on failure.',
  'Live events (qrcode, connection-state, connection-open, message-upsert, send-progress, send-complete, …) arrive over ' +
    'Socket.IO; connect with `io({auth: {key: AUTH}})`.',
].join('\n\n')

type Json = Record<string, unknown>

interface Operation {
  tags: string[]
  summary: string
  operationId: string
  parameters?: Json[]
  requestBody?: Json
  responses: Record<string, Json>
}

export interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string; description: string }
  servers: Json[]
  tags: Array<{ name: string }>
  security: Array<Record<string, string[]>>
  paths: Record<string, Record<string, Operation>>
  components: Json
}

const ref = (kind: 'schemas' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` })

const COMPONENTS = {
  securitySchemes: {
    basicAuth: { type: 'http', scheme: 'basic', description: AUTH_HELP },
  },
  schemas: {
    Ok: {
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { type: 'boolean', enum: [true] }, data: { description: 'The result; its shape depends on the route' } },
    },
    Error: {
      type: 'object',
      required: ['status', 'message'],
      properties: { status: { type: 'boolean', enum: [false] }, message: { type: 'string', description: 'What went wrong, safe to show a user' } },
    },
  },
  responses: {
    Ok: { description: 'Success envelope', content: { 'application/json': { schema: ref('schemas', 'Ok') } } },
    BadRequest: { description: 'Invalid input; `message` names each bad field', content: { 'application/json': { schema: ref('schemas', 'Error') } } },
    Unauthorized: { description: 'Missing or wrong AUTH key', content: { 'application/json': { schema: ref('schemas', 'Error') } } },
    Error: { description: 'Failure envelope (404 unknown instance, 409 not connected, …)', content: { 'application/json': { schema: ref('schemas', 'Error') } } },
  },
}

/** express `/a/:token/b` → OpenAPI `/a/{token}/b`. */
export const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}')

const operationId = (r: RouteDef) =>
  r.method + r.path.replace(/:(\w+)/g, 'By_$1').split(/[^A-Za-z0-9]+/).filter(Boolean).map((s) => s[0].toUpperCase() + s.slice(1)).join('')

const acceptsMultipart = (r: RouteDef) => r.consumes?.includes('multipart/form-data') ?? false

function paramLocation(locations: FieldLocation[], method: string): FieldLocation | 'body' {
  if (locations.length === 1) return locations[0]
  // `check()` looks everywhere: document it where a client would naturally send it.
  return method === 'get' ? 'query' : 'body'
}

const IN: Partial<Record<FieldLocation, string>> = { params: 'path', query: 'query', headers: 'header', cookies: 'cookie' }

const IDEMPOTENCY_PARAM: Json = {
  name: IDEMPOTENCY_HEADER,
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  description: 'Retry-safe request: a repeat with the same key and body answers the stored result (header ' +
    '`Idempotent-Replayed: true`) without running again; another body → 422; while the first still runs → 409 ' +
    'with Retry-After. Kept IDEMPOTENCY_TTL_HOURS (24). See README "Idempotent requests".',
}

function describeRoute(r: RouteDef): Operation {
  const fields: FieldDoc[] = (r.validators ?? []).flatMap(describeChain)
  const body: SchemaObject = { type: 'object', properties: {} }
  const params = new Map<string, Json>()
  for (const f of fields) {
    const where = paramLocation(f.locations, r.method)
    if (where === 'body') {
      placeField(body, f.segments, f.schema, f.required)
      continue
    }
    const name = f.segments.join('.')
    const key = `${where}:${name}`
    if (!params.has(key)) params.set(key, { name, in: IN[where], required: where === 'params' || f.required, schema: f.schema })
  }
  // Every {param} of the path must be declared, validated or not.
  for (const m of r.path.matchAll(/:(\w+)/g)) {
    if (!params.has(`params:${m[1]}`)) params.set(`params:${m[1]}`, { name: m[1], in: 'path', required: true, schema: { type: 'string' } })
  }

  const op: Operation = {
    tags: [r.tag],
    summary: r.summary,
    operationId: operationId(r),
    responses: { '200': success(r), '401': ref('responses', 'Unauthorized'), default: ref('responses', 'Error') },
  }
  if (takesIdempotencyKey(r)) params.set(`header:${IDEMPOTENCY_HEADER}`, IDEMPOTENCY_PARAM)
  if (params.size > 0) op.parameters = [...params.values()]
  if (Object.keys(body.properties ?? {}).length > 0) {
    const content: Json = { 'application/json': { schema: body } }
    if (acceptsMultipart(r)) {
      const form: SchemaObject = { ...body, properties: { ...body.properties, file: { type: 'string', format: 'binary', description: 'The file to send' } } }
      content['multipart/form-data'] = { schema: form }
    }
    op.requestBody = { required: (body.required ?? []).length > 0, content }
  }
  if (fields.length > 0) op.responses['400'] = ref('responses', 'BadRequest')
  return op
}

function success(r: RouteDef): Json {
  if (r.path === OPENAPI_PATH) {
    return { description: 'This OpenAPI 3 document (not enveloped)', content: { 'application/json': { schema: { type: 'object' } } } }
  }
  const types = r.produces ?? ['application/json']
  if (types.length === 1 && types[0] === 'application/json') return ref('responses', 'Ok')
  const content: Json = {}
  for (const t of types) content[t] = { schema: t === 'application/json' ? ref('schemas', 'Ok') : { type: 'string', format: 'binary' } }
  return { description: 'Success', content }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

/** Builds the OpenAPI 3 document for these routes (paths under /api). */
export function buildOpenApi(routes: RouteDef[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {}
  const tags: string[] = []
  for (const r of routes) {
    const path = `/api${toOpenApiPath(r.path)}`
    ;(paths[path] ??= {})[r.method] = describeRoute(r)
    if (!tags.includes(r.tag)) tags.push(r.tag)
  }
  return {
    openapi: '3.0.3',
    info: { title: 'WhatsApp gateway API', version: packageVersion(), description: DESCRIPTION },
    servers: [{ url: '/', description: 'This server' }],
    tags: tags.map((name) => ({ name })),
    security: [{ basicAuth: [] }],
    paths,
    components: COMPONENTS,
  }
}

/** The GET /api/openapi.json route; `routes` is read on each call so late-added routes appear. */
export function openapiRoutes(routes: () => RouteDef[]): RouteDef[] {
  let cached: { count: number; doc: OpenApiDocument } | undefined
  return defineRoutes([
    {
      method: 'get',
      path: OPENAPI_PATH,
      tag: 'Docs',
      summary: 'This OpenAPI 3 document as JSON (Swagger UI: /api/docs)',
      produces: ['application/json'],
      access: 'self', // the document is the same for every key
      handler: (_req, res) => {
        const list = routes()
        if (cached?.count !== list.length) cached = { count: list.length, doc: buildOpenApi(list) }
        res.json(cached.doc)
      },
    },
  ])
}

/**
 * Swagger UI's calls (the spec and "Try it out") carry the key the dashboard stored when you signed
 * in (same tab: sessionStorage), so the browser never shows its own Basic prompt. Runs in the page.
 */
function useDashboardKey(req: { headers: Record<string, string>; credentials?: string }) {
  const key = window.sessionStorage.getItem('wagw.authKey')
  if (key && !req.headers.Authorization && !req.headers.authorization) {
    let bin = ''
    for (const b of new TextEncoder().encode(`${key}:`)) bin += String.fromCharCode(b)
    req.headers.Authorization = `Basic ${window.btoa(bin)}`
  }
  req.credentials = 'omit' // never the browser's cached credentials
  return req
}

/**
 * Mounts Swagger UI (assets served locally from swagger-ui-dist) at /api/docs. The page and its
 * assets are static and public; the document and every call behind it need the key (see above).
 */
export function mountApiDocs(app: Express): void {
  const opts = {
    swaggerUrl: SPEC_URL, customSiteTitle: 'WhatsApp gateway API',
    swaggerOptions: { persistAuthorization: true, requestInterceptor: useDashboardKey },
  }
  // The page loads its assets relatively (./swagger-ui.css), so it must live at /api/docs/.
  const slash: RequestHandler = (req, res, next) => {
    if (req.originalUrl.split('?')[0] === DOCS_URL) return res.redirect(301, `${DOCS_URL}/`)
    next()
  }
  const router = express.Router()
  router.get('/', swaggerUi.setup(undefined, opts))
  router.use(swaggerUi.serveFiles(undefined, opts))
  app.use(DOCS_URL, slash, router)
}
