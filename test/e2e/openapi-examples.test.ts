// Every route's documented example is valid input: sent to a gateway (with no instance "demo"),
// none is refused with a 400, and every route that takes a body or path values has an example.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { REQUEST_EXAMPLES, routeKey } from '../../src/http/contract/request-examples.js'
import { startHarness, type Harness } from '../helpers/harness.js'

let h: Harness
before(async () => {
  h = await startHarness()
})
after(async () => {
  await h.close()
})

test('examples exist for exactly the routes there are', () => {
  const keys = new Set(h.app.routes.map(routeKey))
  assert.deepEqual(Object.keys(REQUEST_EXAMPLES).filter((k) => !keys.has(k)), [], 'examples of routes that do not exist')
  const needing = h.app.routes.filter((r) => (r.validators?.length ?? 0) > 0 || r.path.includes(':')).map(routeKey)
  assert.deepEqual(needing.filter((k) => !REQUEST_EXAMPLES[k]), [], 'routes with inputs but no example')
})

test('no example is refused as invalid input (status 400)', { timeout: 60_000 }, async () => {
  const refused: string[] = []
  for (const r of h.app.routes) {
    // Creating "demo" would turn the 404s of every later example into waits for a pairing.
    if (r.path === '/whatsapp/create-instance' || r.path === '/sandbox/scan') continue
    const ex = REQUEST_EXAMPLES[routeKey(r)] ?? {}
    const path = r.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(ex.params?.[name] ?? ''))
    const query = ex.query ? `?${new URLSearchParams(ex.query).toString()}` : ''
    const res = await h.api(r.method.toUpperCase(), `/api${path}${query}`, ex.body)
    if (res.status === 400 || res.status >= 500) refused.push(`${routeKey(r)} → ${res.status} ${res.body.message ?? ''}`)
  }
  assert.deepEqual(refused, [])
})

test('an API key made from the documented example can be listed and revoked (answers checked against the document)', async () => {
  const example = REQUEST_EXAMPLES['post /keys']?.body
  const created = await h.api<{ id: string; key: string }>('POST', '/api/keys', example)
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const listed = await h.api<Array<{ id: string }>>('GET', '/api/keys')
  assert.ok(listed.body.data?.some((k) => k.id === created.body.data?.id))
  const revoked = await h.api<{ revoked: boolean }>('DELETE', `/api/keys/${created.body.data?.id ?? ''}`)
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
  assert.equal(revoked.body.data?.revoked, true)
})
