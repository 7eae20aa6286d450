// The OpenAPI document is built from the real app's route list and validator chains: every route
// must appear, derived fields must match the validators, the structure must be valid OpenAPI 3,
// /api/openapi.json sits behind the API's auth; the Swagger UI page at /api/docs is static and
// public, and sends the dashboard's stored key itself (no browser Basic prompt).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { body } from 'express-validator'
import { createApp, type GatewayApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { createLogger } from '../src/logger.js'
import { buildOpenApi, toOpenApiPath, type OpenApiDocument } from '../src/http/openapi.js'
import { describeChain } from '../src/http/openapi-fields.js'
import type { RouteDef } from '../src/http/route.js'
import { sandboxRoutes } from '../src/http/routes/sandbox.js'
import type { Simulator } from '../src/simulator/index.js'

const AUTH = 'openapi-auth-key'
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
let app: GatewayApp
let base = ''
let root = ''
let routes: RouteDef[] = []
let doc: OpenApiDocument

type Json = Record<string, unknown>
const op = (path: string, method: string) => doc.paths[`/api${toOpenApiPath(path)}`]?.[method] as unknown as Json | undefined
const bodySchema = (o: Json | undefined) =>
  ((o?.requestBody as Json | undefined)?.content as Record<string, { schema: Json }> | undefined)?.['application/json']?.schema

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wagw-openapi-'))
  const config = loadConfig({
    AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent',
    CREDENTIALS_DIR: join(root, 'credentials'), DATA_DIR: join(root, 'data'), SCHEDULER_FILE: join(root, 'scheduler.json'),
    WA_WS_URL: 'ws://127.0.0.1:9', MAX_RECONNECTS: '1',
  })
  app = await createApp({ config, logger: createLogger('silent') })
  base = `http://127.0.0.1:${await app.listen()}`
  // The sandbox routes are only mounted in sandbox mode; their definitions need no live simulator.
  routes = [...app.routes, ...sandboxRoutes(app, {} as Simulator)]
  doc = buildOpenApi(routes)
})

after(async () => {
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

describe('openapi document', () => {
  test('every route of the app (and of the sandbox) is in the document', () => {
    assert.ok(app.routes.some((r) => r.path === '/openapi.json'), 'the openapi.json route is itself in the route list')
    const missing = routes.filter((r) => !op(r.path, r.method)).map((r) => `${r.method.toUpperCase()} ${r.path}`)
    assert.deepEqual(missing, [], `routes missing from the OpenAPI document: ${missing.join(', ')}`)
    const count = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0)
    assert.equal(count, routes.length, 'one operation per route, no extras')
  })

  test('request fields, required and types come from the validators', () => {
    const create = bodySchema(op('/whatsapp/create-instance', 'post'))
    assert.ok(create, 'create-instance has a JSON body')
    assert.deepEqual(create.required, ['token'])
    const props = create.properties as Record<string, Json>
    assert.equal(props.token.type, 'string')
    assert.match(String(props.token.description), /1-64 characters/)
    assert.equal(props.phone.type, 'string')
    assert.match(String(props.phone.description), /international format/)

    const one = op('/whatsapp/instances/:token', 'get')
    const params = one?.parameters as Json[]
    assert.deepEqual(params.map((p) => [p.name, p.in, p.required]), [['token', 'path', true]])
    assert.equal(op('/whatsapp/instances', 'get')?.parameters, undefined)

    const qr = op('/whatsapp/instances/:token/qr', 'get')
    const content = (qr?.responses as Record<string, Json>)['200'].content as Json
    assert.deepEqual(Object.keys(content).sort(), ['application/json', 'image/png'])

    const contacts = bodySchema(op('/sandbox/contacts', 'post'))?.properties as Record<string, Json>
    assert.equal(contacts.onWhatsApp.type, 'boolean')
    assert.equal(contacts.name.type, 'string')
    assert.equal(contacts.name.maxLength, 100)
    const send = bodySchema(op('/sandbox/contacts/:number/send', 'post'))
    assert.deepEqual(send?.required, ['token'], 'conditional and optional fields are not required')
    const media = (send?.properties as Record<string, Json>).media
    assert.equal(media.type, 'object')
    assert.equal(((media.properties as Record<string, Json>).base64).format, 'byte')
    assert.equal(media.required, undefined, 'media.base64 is only checked when media exists')
  })

  test('send-text requires token and number', () => {
    const sendText = op('/whatsapp/send-text', 'post')
    assert.ok(sendText, 'POST /api/whatsapp/send-text is documented')
    const schema = bodySchema(sendText)
    for (const f of ['token', 'number']) assert.ok((schema?.required as string[]).includes(f), `${f} is required`)
    assert.equal(((schema?.properties as Record<string, Json>).text).type, 'string')
  })

  test('send-media documents the multipart upload and its cross-field rule', () => {
    const content = (op('/whatsapp/send-media', 'post')?.requestBody as Json).content as Record<string, { schema: Json }>
    const file = (content['multipart/form-data']?.schema.properties as Record<string, Json> | undefined)?.file
    assert.deepEqual(file && { type: file.type, format: file.format }, { type: 'string', format: 'binary' })
    const type = (content['application/json'].schema.properties as Record<string, Json>).type
    assert.ok(Array.isArray(type.enum) && type.enum.includes('image'))
    // type is optional: without it the kind follows mimetype or the media itself (described, not required).
    assert.ok(!(content['application/json'].schema.required as string[]).includes('type'))
    assert.match(String(type.description), /omit it/)
  })

  test('validator chains map to schema types, enums, bounds and required', () => {
    const d = (chain: Parameters<typeof describeChain>[0]) => describeChain(chain)[0]
    assert.deepEqual(d(body('a').isString()).schema.type, 'string')
    assert.equal(d(body('a').isString()).required, true)
    assert.deepEqual(d(body('n').isInt({ min: 1, max: 5 })).schema, { type: 'integer', minimum: 1, maximum: 5 })
    assert.deepEqual(d(body('e').isIn(['chats', 'messages'])).schema.enum, ['chats', 'messages'])
    const flag = d(body('b').optional().isBoolean({ strict: true }))
    assert.equal(flag.schema.type, 'boolean')
    assert.equal(flag.required, false)
    assert.equal(d(body('list').isArray()).schema.type, 'array')
    assert.equal(d(body('o').isObject()).schema.type, 'object')
    assert.deepEqual(d(body('data.*.x').isString()).segments, ['data', '*', 'x'])
    assert.equal(d(body('c').if(body('a').exists()).isString()).required, false)
    const either = d(body('number').custom((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))))
    assert.deepEqual(either.schema.anyOf, [{ type: 'string' }, { type: 'array', items: { type: 'string' } }])
  })

  test('the document is structurally valid OpenAPI 3', () => {
    assert.match(doc.openapi, /^3\.\d+\.\d+$/)
    assert.ok(doc.info.title && doc.info.version)
    assert.match(JSON.stringify(doc.components.securitySchemes), /"scheme":"basic"/)
    assert.match(doc.info.description, /user name is the AUTH key and the password is empty/)
    const ids = new Set<string>()
    for (const [path, item] of Object.entries(doc.paths)) {
      assert.match(path, /^\/api\//)
      for (const [method, o] of Object.entries(item)) {
        assert.ok(['get', 'post', 'put', 'delete', 'patch'].includes(method), `${path}: ${method}`)
        assert.ok(Object.keys(o.responses).length > 0, `${method} ${path} has responses`)
        assert.ok(!ids.has(o.operationId), `operationId ${o.operationId} is unique`)
        ids.add(o.operationId)
        const declared = (o.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
        assert.deepEqual(declared.sort(), inPath.sort(), `${method} ${path}: path parameters`)
      }
    }
    // Every $ref points at something that exists.
    const refs: string[] = []
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk)
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) k === '$ref' ? refs.push(String(x)) : walk(x)
      }
    }
    walk(doc)
    assert.ok(refs.length > 0)
    for (const r of new Set(refs)) {
      assert.match(r, /^#\//)
      const target = r.slice(2).split('/').reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc)
      assert.ok(target && typeof target === 'object', `$ref ${r} resolves`)
    }
  })
})

describe('Idempotency-Key in the document', () => {
  test('every POST under /whatsapp/ documents the optional header; GETs and the sandbox do not', () => {
    const header = (o: Json | undefined) => ((o?.parameters ?? []) as Json[]).find((p) => p.in === 'header' && p.name === 'Idempotency-Key')
    const posts = routes.filter((r) => r.method === 'post' && r.path.startsWith('/whatsapp/'))
    assert.ok(posts.length > 20)
    for (const r of posts) {
      const p = header(op(r.path, r.method))
      assert.ok(p, `${r.path} documents Idempotency-Key`)
      assert.equal(p.required, false)
      assert.deepEqual([(p.schema as Json).minLength, (p.schema as Json).maxLength], [1, 255])
    }
    for (const r of routes.filter((x) => x.method !== 'post' || !x.path.startsWith('/whatsapp/'))) {
      assert.equal(header(op(r.path, r.method)), undefined, `${r.method} ${r.path} does not take the header`)
    }
  })
})

describe('serving the docs', () => {
  test('GET /api/openapi.json needs auth and returns the document', async () => {
    assert.equal((await fetch(`${base}/api/openapi.json`)).status, 401)
    const res = await fetch(`${base}/api/openapi.json`, { headers: { authorization: basic(AUTH) } })
    assert.equal(res.status, 200)
    const served = (await res.json()) as OpenApiDocument
    assert.deepEqual(served, JSON.parse(JSON.stringify(buildOpenApi(app.routes))))
  })

  test('Swagger UI at /api/docs is a public static page that sends the dashboard key; assets served locally', async () => {
    const redirect = await fetch(`${base}/api/docs`, { redirect: 'manual' })
    assert.equal(redirect.status, 301)
    assert.equal(redirect.headers.get('location'), '/api/docs/')
    const page = await fetch(`${base}/api/docs/`)
    assert.equal(page.status, 200)
    assert.equal(page.headers.get('www-authenticate'), null)
    const html = await page.text()
    assert.match(html, /swagger-ui-bundle\.js/)
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'no external (CDN) URLs')
    const init = await (await fetch(`${base}/api/docs/swagger-ui-init.js`)).text()
    assert.match(init, /\/api\/openapi\.json/)
    assert.match(init, /"requestInterceptor": function useDashboardKey\(req\)\{.*sessionStorage\.getItem\("wagw\.authKey"\)/)
    assert.doesNotMatch(init, /__name|require\(/, 'the interceptor is self-contained browser code')
    const bundle = await fetch(`${base}/api/docs/swagger-ui-bundle.js`)
    assert.equal(bundle.status, 200)
    assert.ok(Number(bundle.headers.get('content-length')) > 100_000)
  })

  test('a browser gets no Basic challenge (no prompt that would cache the key); curl-like clients still do', async () => {
    const browser = await fetch(`${base}/api/openapi.json`, { headers: { 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin', 'user-agent': 'Mozilla/5.0' } })
    assert.equal(browser.status, 401)
    assert.equal(browser.headers.get('www-authenticate'), null)
    const navigation = await fetch(`${base}/metrics`, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' } })
    assert.equal(navigation.headers.get('www-authenticate'), null)
    const curl = await new Promise<string | undefined>((resolve, reject) => {
      const req = httpRequest(`${base}/api/openapi.json`, { headers: { 'user-agent': 'curl/8.0' } }, (res) => {
        res.resume()
        resolve(res.headers['www-authenticate'])
      })
      req.on('error', reject)
      req.end()
    })
    assert.match(curl ?? '', /^Basic /)
  })
})
