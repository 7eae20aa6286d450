// The response contract in the OpenAPI document: every route says what its `data` is (or that it
// answers a file), every example in a component schema matches its own schema, and the checker
// the e2e harness uses really refuses an answer that drifts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv } from 'ajv'
import { CONTRACT_SCHEMAS } from '../src/http/contract/schemas.js'
import { buildOpenApi } from '../src/http/openapi.js'
import { openapiRoutes } from '../src/http/openapi.js'
import { instanceRoutes } from '../src/http/routes/instances.js'
import type { SessionManager } from '../src/sessions/manager.js'
import { ContractChecker, ContractDrift } from './helpers/contract.js'

const doc = buildOpenApi([...instanceRoutes({} as SessionManager), ...openapiRoutes(() => [])]) as unknown as Record<string, unknown>

test('every example in a component schema matches the schema', () => {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema(doc, 'doc')
  const wrong: string[] = []
  for (const [name, schema] of Object.entries(CONTRACT_SCHEMAS)) {
    if (!('example' in schema)) continue
    const validate = ajv.compile({ $ref: `doc#/components/schemas/${name}` })
    if (!validate(schema.example)) wrong.push(`${name}: ${ajv.errorsText(validate.errors)}`)
  }
  assert.deepEqual(wrong, [])
})

test('the checker refuses a drifted answer and accepts the documented one', () => {
  const checker = new ContractChecker(doc)
  const ok = { status: true, data: [{ token: 'sales', state: 'open', user: { id: '1555@s.whatsapp.net' }, proxy: null }] }
  checker.check('GET', '/api/whatsapp/instances', 200, 'application/json', ok)
  const drifts: unknown[] = [
    { status: true, data: [{ token: 'sales', state: 'sleeping', user: null, proxy: null }] }, // unknown state
    { status: true, data: [{ token: 'sales', state: 'open', proxy: null }] }, // user missing
    { status: true, data: [{ token: 'sales', state: 'open', user: null, proxy: null, secret: 'x' }] }, // undocumented field
    { status: true, data: { token: 'sales' } }, // not a list
    { data: [] }, // no envelope status
  ]
  for (const body of drifts) assert.throws(() => checker.check('GET', '/api/whatsapp/instances', 200, 'application/json', body), ContractDrift, JSON.stringify(body))
  // Errors must be the error envelope too.
  checker.check('GET', '/api/whatsapp/instances/x', 404, 'application/json', { status: false, message: 'instance "x" not found' })
  assert.throws(() => checker.check('GET', '/api/whatsapp/instances/x', 404, 'application/json', { error: 'nope' }), ContractDrift)
})

test('Socket.IO payloads are checked against x-events', () => {
  const checker = new ContractChecker(doc)
  assert.equal(checker.checkEvent('connection-state', { token: 'sales', state: 'open', user: { id: '1555@s.whatsapp.net' } }), undefined)
  assert.match(checker.checkEvent('connection-state', { token: 'sales', state: 'sleeping' }) ?? '', /does not match/)
  assert.match(checker.checkEvent('send-complete', { token: 'sales', batchId: 'b', total: 2, sent: 2 }) ?? '', /failed/)
  assert.match(checker.checkEvent('brand-new-event', {}) ?? '', /not documented/)
})

test('routes document their errors: unknown instance, not connected, body limits, WhatsApp failures', () => {
  const paths = doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>
  const codes = (path: string, method: string) => Object.keys(paths[path][method].responses).sort()
  assert.deepEqual(codes('/api/whatsapp/instances/{token}', 'get'), ['200', '400', '401', '404', 'default'])
  assert.deepEqual(codes('/api/whatsapp/create-instance', 'post'), ['200', '400', '401', '413', '415', 'default'])
  assert.deepEqual(codes('/api/whatsapp/instances', 'get'), ['200', '401', 'default'])
})
