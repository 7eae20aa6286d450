// GET /api/postman.json: a Postman v2.1 collection generated from the served OpenAPI document,
// run with newman (as Postman users run it) against a fresh sandbox gateway. The requests marked
// x-standalone (no prior state needed) must all answer 2xx with their example bodies.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { AUTH, basicAuth, startHarness, type Harness } from '../helpers/harness.js'
import { STANDALONE_NOTE, type PostmanCollection } from '../../src/http/postman.js'
import type { OpenApiDocument } from '../../src/http/openapi.js'

/** The part of newman's API (it ships no types) this test uses. */
interface NewmanSummary {
  run: {
    failures: Array<{ error: { message: string; test?: string }; source?: { name?: string } }>
    executions: Array<{ item: { name: string }; response?: { code: number } }>
  }
}
interface Newman {
  run(opts: Record<string, unknown>, done: (err: Error | null, summary: NewmanSummary) => void): void
}
const newman = createRequire(import.meta.url)('newman') as Newman

/** The requests of the collection that need no prior state, by operationId (reported in the note). */
const STANDALONE = [
  'postWhatsappCreateInstance', 'getWhatsappInstances', 'postWhatsappScheduler',
  'getWhatsappInstancesByTokenWebhookDeliveries', 'postWhatsappInstancesByTokenWebhookDeliveriesReplayDead',
  'getOpenapiJson', 'getPostmanJson', 'getSandboxContacts', 'postSandboxContacts', 'postKeys', 'getKeys',
]

let h: Harness
let doc: OpenApiDocument
let collection: PostmanCollection

before(async () => {
  h = await startHarness()
  doc = (await (await fetch(`${h.baseUrl}/api/openapi.json`, { headers: { authorization: basicAuth() } })).json()) as OpenApiDocument
})
after(async () => {
  await h.close()
})

test('GET /api/postman.json needs auth and is a v2.1 collection: folders per tag, Basic {{AUTH}} with an empty password, {{baseUrl}}, an example body per route', async () => {
  assert.equal((await fetch(`${h.baseUrl}/api/postman.json`)).status, 401)
  const res = await fetch(`${h.baseUrl}/api/postman.json`, { headers: { authorization: basicAuth() } })
  assert.equal(res.status, 200)
  collection = (await res.json()) as PostmanCollection
  assert.equal(collection.info.schema, 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json')
  assert.deepEqual(collection.auth, { type: 'basic', basic: [{ key: 'username', value: '{{AUTH}}', type: 'string' }, { key: 'password', value: '', type: 'string' }] })
  assert.deepEqual(collection.variable.map((v) => v.key), ['baseUrl', 'AUTH', 'token'])
  assert.equal(collection.variable.find((v) => v.key === 'AUTH')?.value, '', 'the key itself is never in the collection')
  assert.deepEqual(collection.item.map((f) => f.name), doc.tags.map((t) => t.name))

  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
  const items = new Map(collection.item.flatMap((f) => f.item.map((i) => [i.id, { folder: f.name, item: i }] as const)))
  assert.equal(items.size, operations.length, 'one request per route')
  for (const { path, method, op } of operations) {
    const found = items.get(op.operationId)
    assert.ok(found, `no request for ${method} ${path}`)
    assert.equal(found.folder, op.tags[0])
    const req = found.item.request as { method: string; url: { raw: string }; body?: { raw: string } }
    assert.equal(req.method, method.toUpperCase())
    assert.ok(req.url.raw.startsWith('{{baseUrl}}/api/'), req.url.raw)
    if (op.requestBody) {
      const body = JSON.parse(req.body?.raw ?? 'null') as Record<string, unknown> | null
      assert.ok(body && Object.keys(body).length > 0, `${method} ${path} has no example body`)
      if ('token' in body) assert.equal(body.token, '{{token}}')
    }
  }
})

test('newman runs the requests that need no prior state against a fresh sandbox: all answer 2xx', { timeout: 60_000 }, async () => {
  assert.ok(collection, 'the collection test ran first')
  const marked = Object.values(doc.paths).flatMap((ops) => Object.values(ops)).filter((op) => op['x-standalone']).map((op) => op.operationId)
  assert.deepEqual(marked.sort(), [...STANDALONE].sort())
  const standalone: PostmanCollection = {
    ...collection,
    item: collection.item
      .map((f) => ({ ...f, item: f.item.filter((i) => STANDALONE.includes(i.id)) }))
      .filter((f) => f.item.length > 0),
  }
  for (const f of standalone.item) for (const i of f.item) assert.match(String(i.request.description), new RegExp(STANDALONE_NOTE.replace(/[.:]/g, '\\$&')))

  const summary = await new Promise<NewmanSummary>((resolve, reject) => {
    newman.run({ collection: standalone, envVar: [{ key: 'AUTH', value: AUTH }], reporters: [] }, (err, s) => (err ? reject(err) : resolve(s)))
  })
  const failures = summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.test ?? ''} ${f.error.message}`)
  assert.deepEqual(failures, [])
  const codes = summary.run.executions.map((e) => `${e.item.name} → ${e.response?.code ?? 'no response'}`)
  assert.equal(codes.length, STANDALONE.length, codes.join('\n'))
  for (const c of codes) assert.match(c, /→ 2\d\d$/)
  // The run really used the collection's auth and body: the instance it created exists.
  assert.equal((await h.api<Array<{ token: string }>>('GET', '/api/whatsapp/instances')).body.data?.some((i) => i.token === 'demo'), true)
})
