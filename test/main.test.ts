// `npm start`'s entry as a real process (node dist/main.js): starts with no .env and no WhatsApp
// reachable, prints the generated key, serves the API, reports the offline network on
// create-instance (never a 5xx), warns once on an unsupported Node, and exits 0 on SIGTERM.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startGatewayProcess, until } from './helpers/gateway-process.js'
import { unsupportedNodeWarning } from '../src/util/runtime.js'

test('the server starts on defaults, answers with the printed key, and shuts down cleanly', async () => {
  const gw = await startGatewayProcess()
  try {
    // The old-Node warning appears exactly once on an unsupported Node and never on a supported one.
    const warning = unsupportedNodeWarning(process.version)
    assert.equal(gw.output().split(warning ?? 'is not supported; the supported lines').length - 1, warning ? 1 : 0, gw.output())
    const ok = await gw.api('GET', '/api/whatsapp/instances')
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.body, { status: true, data: [] })
    const denied = await fetch(`${gw.url}/api/whatsapp/instances`)
    assert.equal(denied.status, 401)
    const dashboard = await fetch(`${gw.url}/`)
    assert.equal(dashboard.status, 200)

    // Offline, WhatsApp cannot be reached: the instance says so and keeps trying.
    const created = await gw.api<{ state: string }>('POST', '/api/whatsapp/create-instance', { token: 'first' })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const info = await until('the network failure in lastError', async () => {
      const r = await gw.api<{ state: string; lastError: string | null }>('GET', '/api/whatsapp/instances/first')
      assert.ok(r.status < 500, JSON.stringify(r.body))
      return r.body.data?.lastError ? r.body.data : undefined
    }, 40_000)
    assert.ok(['connecting', 'failed'].includes(info.state), `state ${info.state}`)
    assert.doesNotMatch(gw.output(), /TypeError/)
    assert.equal(await gw.stop(), 0)
  } finally {
    gw.cleanup()
  }
})
