// The download-media route on its own (a stand-in messenger): the RFC 6266 header for any file
// name, and the source stream closed on every error (failing mid-stream, client going away).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { Registry } from 'prom-client'
import { buildHttpApp } from '../src/http/app.js'
import { createAuthenticator } from '../src/http/auth.js'
import { attachmentHeader, mediaRoutes } from '../src/http/routes/media.js'
import { createLogger } from '../src/logger.js'
import type { Download } from '../src/messaging/download.js'
import type { Messenger } from '../src/messaging/messenger.js'

const AUTH = 'download-route-key-1'
const auth = `Basic ${Buffer.from(`${AUTH}:`).toString('base64')}`

describe('download-media route', () => {
  let server: Server
  let base = ''
  let next: () => Download
  before(async () => {
    const messenger = { downloadMedia: async () => next() } as unknown as Messenger
    const app = buildHttpApp({ authenticate: createAuthenticator(AUTH), origin: 'http://localhost', bodyLimit: '1mb', logger: createLogger('silent'), routes: mediaRoutes(messenger), metrics: new Registry() })
    server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })
  const post = () => fetch(`${base}/api/whatsapp/download-media`, {
    method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ token: 'tok1', key: { id: 'X' } }),
  })

  test('attachmentHeader: printable-ASCII fallback and the exact name in filename*', () => {
    assert.equal(attachmentHeader('a b.pdf'), `attachment; filename="a b.pdf"; filename*=UTF-8''a%20b.pdf`)
    assert.equal(attachmentHeader('ü\r\n"\\\u0000.txt'), `attachment; filename="______.txt"; filename*=UTF-8''%C3%BC%0D%0A%22%5C%00.txt`)
    assert.equal(attachmentHeader("it's (1)*.txt"), `attachment; filename="it's (1)*.txt"; filename*=UTF-8''it%27s%20%281%29%2A.txt`)
    assert.match(attachmentHeader('\uD800.txt'), /filename\*=UTF-8''%EF%BF%BD\.txt$/, 'a lone surrogate does not throw')
  })

  test('a control-character name and a bad mime type answer 200, never 500', async () => {
    next = () => ({ stream: Readable.from([Buffer.from('hello')]), mimetype: 'text/plain\u00ff', fileName: '日本\u0001.txt' })
    const r = await post()
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('content-type'), 'application/octet-stream')
    assert.equal(await r.text(), 'hello')
  })

  test('an error mid-stream destroys the source and cuts the response off', async () => {
    const source = new PassThrough()
    next = () => ({ stream: source, mimetype: 'application/pdf', fileName: 'x.pdf' })
    source.write(Buffer.alloc(1000, 1)) // headers go out with the first bytes
    const r = await post()
    assert.equal(r.status, 200)
    const reader = r.body!.getReader()
    await reader.read()
    source.destroy(new Error('decrypt failed'))
    await assert.rejects(async () => {
      for (;;) if ((await reader.read()).done) return
    })
    assert.equal(source.destroyed, true)
  })

  test('the client going away closes the source stream', async () => {
    const source = new PassThrough()
    next = () => ({ stream: source, mimetype: 'application/pdf', fileName: 'x.pdf' })
    const closed = new Promise((resolve) => source.once('close', resolve))
    source.write(Buffer.alloc(1000, 1))
    const r = await post()
    await r.body!.cancel()
    await closed
    assert.equal(source.destroyed, true)
  })
})
