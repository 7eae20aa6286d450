// A Postman v2.1 collection generated from the OpenAPI document: one folder per tag, Basic auth
// with {{AUTH}} and an empty password on the collection, {{baseUrl}} and {{token}} variables, and
// each route's example as its body. Served at GET /api/postman.json (import it in Postman, or run
// it with newman). Requests whose operation is `x-standalone` carry a note and run on a fresh gateway.
import type { OpenApiDocument } from './openapi.js'
import { EXAMPLE_TOKEN } from './contract/request-examples.js'

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
export const STANDALONE_NOTE = 'Needs no prior state: runs as is against a fresh gateway.'

type Json = Record<string, unknown>

interface PostmanItem {
  id: string
  name: string
  request: Json
  event: Json[]
}

export interface PostmanCollection {
  info: { name: string; description: string; schema: string }
  auth: Json
  variable: Array<{ key: string; value: string; description?: string }>
  item: Array<{ name: string; item: PostmanItem[] }>
}

interface Param { name: string; in: string; example?: unknown }
interface Op { tags: string[]; summary: string; operationId: string; parameters?: Param[]; requestBody?: Json; 'x-standalone'?: boolean }

/** The example body with the example token swapped for {{token}}, so one variable drives every request. */
function bodyOf(op: Op): string | undefined {
  const json = (op.requestBody?.content as Record<string, { example?: unknown }> | undefined)?.['application/json']
  if (!json) return undefined
  const example = (json.example ?? {}) as Json
  const body = example.token === EXAMPLE_TOKEN ? { ...example, token: '{{token}}' } : example
  return JSON.stringify(body, null, 2)
}

const TEST_SCRIPT = [
  "pm.test('answers 2xx', () => pm.expect(pm.response.code).to.be.within(200, 299));",
  "if ((pm.response.headers.get('Content-Type') || '').includes('json') && pm.request.url.getPath().indexOf('.json') < 0) {",
  "  pm.test('status is true', () => pm.expect(pm.response.json().status).to.eql(true));",
  '}',
]

function itemOf(method: string, path: string, op: Op): PostmanItem {
  const params = op.parameters ?? []
  const segments = path.split('/').filter(Boolean).map((s) => s.replace(/^\{(\w+)\}$/, ':$1'))
  const query = params.filter((p) => p.in === 'query')
    .map((p) => ({ key: p.name, value: p.example === undefined ? '' : String(p.example), disabled: p.example === undefined }))
  const enabled = query.filter((q) => !q.disabled)
  const raw = `{{baseUrl}}/${segments.join('/')}${enabled.length ? `?${enabled.map((q) => `${q.key}=${q.value}`).join('&')}` : ''}`
  const variable = params.filter((p) => p.in === 'path')
    .map((p) => ({ key: p.name, value: p.name === 'token' ? '{{token}}' : String(p.example ?? '') }))
  const body = bodyOf(op)
  const request: Json = {
    method: method.toUpperCase(),
    description: op['x-standalone'] ? `${op.summary}\n\n${STANDALONE_NOTE}` : op.summary,
    header: body === undefined ? [] : [{ key: 'Content-Type', value: 'application/json' }],
    url: { raw, host: ['{{baseUrl}}'], path: segments, ...(query.length ? { query } : {}), ...(variable.length ? { variable } : {}) },
    ...(body === undefined ? {} : { body: { mode: 'raw', raw: body, options: { raw: { language: 'json' } } } }),
  }
  return {
    id: op.operationId,
    name: `${method.toUpperCase()} ${path.replace(/^\/api\/whatsapp/, '').replace(/^\/api/, '')}`,
    request,
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: TEST_SCRIPT } }],
  }
}

/** @param baseUrl The server root the collection starts with (the {{baseUrl}} variable). */
export function buildPostmanCollection(doc: OpenApiDocument, baseUrl: string): PostmanCollection {
  const folders = new Map<string, PostmanItem[]>(doc.tags.map((t) => [t.name, []]))
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const op = operation as unknown as Op
      const tag = op.tags[0] ?? 'Other'
      if (!folders.has(tag)) folders.set(tag, [])
      folders.get(tag)?.push(itemOf(method, path, op))
    }
  }
  return {
    info: {
      name: doc.info.title,
      description: `${doc.info.description}\n\nSet the collection variables AUTH (your key) and token (an instance name).`,
      schema: SCHEMA,
    },
    auth: {
      type: 'basic',
      basic: [
        { key: 'username', value: '{{AUTH}}', type: 'string' },
        { key: 'password', value: '', type: 'string' },
      ],
    },
    variable: [
      { key: 'baseUrl', value: baseUrl, description: 'The gateway root' },
      { key: 'AUTH', value: '', description: 'The AUTH key (Basic auth user name; the password stays empty)' },
      { key: 'token', value: EXAMPLE_TOKEN, description: 'The instance the requests use' },
    ],
    item: [...folders].filter(([, items]) => items.length > 0).map(([name, items]) => ({ name, item: items })),
  }
}
