// The CSRF rule on its own: browsers on another origin are refused for state-changing methods;
// server-to-server clients (no Origin, no Sec-Fetch-Site) and the same origin pass.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { refuseCrossSiteWrites } from '../src/http/csrf.js'

describe('refuseCrossSiteWrites', () => {
  let server: Server
  let base = ''
  let host = ''
  before(async () => {
    const app = express()
    app.use(refuseCrossSiteWrites('https://panel.example.com, *'))
    app.all('/x', (_req, res) => res.json({ status: true }))
    server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`
    base = `http://${host}`
  })
  after(() => server.close())

  const status = async (method: string, headers: Record<string, string>) => (await fetch(`${base}/x`, { method, headers })).status

  test('server-to-server clients and safe methods are untouched', async () => {
    assert.equal(await status('POST', {}), 200) // curl, PHP, Postman: no Origin, no Sec-Fetch-Site
    assert.equal(await status('DELETE', {}), 200)
    assert.equal(await status('GET', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), 200)
  })

  test('the same origin (by Host or a proxy\'s X-Forwarded-Host) and explicit ORIGIN entries may write', async () => {
    assert.equal(await status('POST', { origin: base, 'sec-fetch-site': 'same-origin' }), 200)
    assert.equal(await status('PUT', { origin: 'https://gw.example.com', 'x-forwarded-host': 'gw.example.com' }), 200)
    assert.equal(await status('POST', { origin: 'https://panel.example.com', 'sec-fetch-site': 'cross-site' }), 200)
    assert.equal(await status('POST', { 'sec-fetch-site': 'same-origin' }), 200)
  })

  test('another origin, a null origin, or a cross-site/same-site browser request is refused with a 403 envelope', async () => {
    for (const [method, headers] of [
      ['POST', { origin: 'http://127.0.0.1:1' }],
      ['PUT', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
      ['DELETE', { origin: 'null' }],
      ['POST', { 'sec-fetch-site': 'cross-site' }],
      ['PATCH', { 'sec-fetch-site': 'same-site' }],
      ['POST', { origin: `http://${host}`, 'sec-fetch-site': 'cross-site' }],
    ] as const) {
      const res = await fetch(`${base}/x`, { method, headers })
      assert.equal(res.status, 403, `${method} ${JSON.stringify(headers)}`)
      const body = (await res.json()) as { status: boolean; message: string }
      assert.equal(body.status, false)
      assert.match(body.message, /cross-site request refused/)
    }
  })

  test('"*" in ORIGIN opens CORS reads, not cross-site writes', async () => {
    assert.equal(await status('POST', { origin: 'https://anything.example' }), 403)
  })
})
