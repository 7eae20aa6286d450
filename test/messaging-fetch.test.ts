// Media URL fetching against a local HTTP server: redirects re-checked hop by hop, the SSRF policy
// on literal IPs and on DNS answers, size caps (declared and streamed), timeout, and no temp file
// left behind by a failed fetch. Also the same guard on download-media's URLs.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WAMessage, WASocket } from '@whiskeysockets/baileys'
import { AppError } from '../src/errors.js'
import { createLogger } from '../src/logger.js'
import { MediaDownloader } from '../src/messaging/download.js'
import { MediaFetcher } from '../src/messaging/media-fetch.js'
import { publicOnly } from '../src/util/net-guard.js'

const BODY = Buffer.from('0123456789'.repeat(100)) // 1000 bytes
const LIMITS = { maxBytes: 2000, timeoutMs: 2000 }

describe('MediaFetcher', () => {
  let server: Server
  let port = 0
  let dir = ''
  let fetcher: MediaFetcher
  let strict: MediaFetcher
  const url = (path: string, host = '127.0.0.1') => `http://${host}:${port}${path}`

  before(async () => {
    server = createServer((req, res) => {
      const p = req.url ?? ''
      if (p === '/ok') return res.writeHead(200, { 'content-type': 'Image/PNG; charset=binary', 'content-length': BODY.length }).end(BODY)
      if (p === '/disp') return res.writeHead(200, { 'content-disposition': 'attachment; filename="../../etc/evil.txt"' }).end(BODY)
      if (p.startsWith('/hop/')) {
        const n = Number(p.split('/')[2])
        return res.writeHead(302, { location: n > 1 ? `/hop/${n - 1}` : '/ok' }).end()
      }
      if (p === '/to-ftp') return res.writeHead(301, { location: 'ftp://example.com/x' }).end()
      if (p === '/to-blocked') return res.writeHead(302, { location: url('/ok', '127.0.0.2') }).end()
      if (p === '/big') return res.writeHead(200, { 'content-length': 5000 }).end(Buffer.alloc(5000))
      if (p === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(500))
        return res.end()
      }
      if (p === '/slow') {
        res.writeHead(200)
        res.write('x')
        return // never ends: the timeout must fire
      }
      res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    dir = mkdtempSync(join(tmpdir(), 'wagw-fetch-'))
    // Allows loopback (the test server) but refuses 127.0.0.2, to prove redirects are re-checked.
    fetcher = new MediaFetcher((ip) => (ip === '127.0.0.2' ? 'blocked for the test' : null), dir)
    strict = new MediaFetcher(publicOnly, dir)
  })

  after(async () => {
    server.closeAllConnections()
    server.close()
    await Promise.all([fetcher.close(), strict.close()])
    rmSync(dir, { recursive: true, force: true })
  })

  const fails = async (p: Promise<unknown>, status: number, pattern: RegExp) => {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof AppError, `an AppError, got ${String(err)}`)
      assert.equal(err.status, status, err.message)
      assert.match(err.message, pattern)
      return true
    })
  }

  test('streams the body to a temp file with content type and file name', async () => {
    const f = await fetcher.fetchToFile(url('/ok'), LIMITS)
    assert.equal(f.size, BODY.length)
    assert.equal(f.contentType, 'image/png')
    assert.equal(f.fileName, 'ok')
    assert.deepEqual(readFileSync(f.path), BODY)
    rmSync(f.path)
  })

  test('a Content-Disposition file name is reduced to a base name', async () => {
    const f = await fetcher.fetchToFile(url('/disp'), LIMITS)
    assert.equal(f.fileName, 'evil.txt')
    rmSync(f.path)
  })

  test('follows up to 5 redirects, refuses the 6th', async () => {
    const f = await fetcher.fetchToFile(url('/hop/5'), LIMITS)
    assert.equal(f.finalUrl, url('/ok'))
    rmSync(f.path)
    await fails(fetcher.fetchToFile(url('/hop/6'), LIMITS), 400, /more than 5 redirects/)
  })

  test('every hop is re-checked: a redirect to another scheme or to a blocked address is refused', async () => {
    await fails(fetcher.fetchToFile(url('/to-ftp'), LIMITS), 400, /only http and https.*redirect pointed to ftp:/)
    await fails(fetcher.fetchToFile(url('/to-blocked'), LIMITS), 400, /127\.0\.0\.2 .*blocked for the test/)
  })

  test('with the default policy, loopback is refused both as a literal and through DNS (localhost)', async () => {
    await fails(strict.fetchToFile(url('/ok'), LIMITS), 400, /127\.0\.0\.1 \(loopback\).*MEDIA_ALLOW_PRIVATE/)
    await fails(strict.fetchToFile(url('/ok', 'localhost'), LIMITS), 400, /localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/)
    await fails(strict.fetchToFile(`http://[::ffff:127.0.0.1]:${port}/ok`, LIMITS), 400, /loopback/)
  })

  test('size cap: a declared Content-Length over the cap and a streamed body over the cap → 413', async () => {
    await fails(fetcher.fetchToFile(url('/big'), LIMITS), 413, /MEDIA_MAX_BYTES/)
    await fails(fetcher.fetchToFile(url('/chunked'), LIMITS), 413, /MEDIA_MAX_BYTES/)
  })

  test('timeout, HTTP errors and bad URLs are clear 4xx', async () => {
    await fails(fetcher.fetchToFile(url('/slow'), { ...LIMITS, timeoutMs: 300 }), 408, /longer than 300 ms/)
    await fails(fetcher.fetchToFile(url('/nope'), LIMITS), 400, /HTTP 404/)
    await fails(fetcher.fetchToFile('not a url', LIMITS), 400, /not a valid URL/)
    await fails(fetcher.fetchToFile('file:///etc/passwd', LIMITS), 400, /only http and https/)
    await fails(fetcher.fetchToFile(`http://user:pw@127.0.0.1:${port}/ok`, LIMITS), 400, /credentials/)
    await fails(fetcher.fetchToFile('http://127.0.0.1:1/x', LIMITS), 400, /refused the connection/)
  })

  test('no temp file outlives a failed fetch', () => {
    assert.deepEqual(readdirSync(dir), [])
  })
})

describe('MediaDownloader SSRF guard (a caller may hand download-media any message JSON)', () => {
  const downloader = new MediaDownloader(publicOnly, createLogger('silent'))
  after(() => downloader.close())
  const image = (url: string): WAMessage => ({ key: { id: 'X' }, message: { imageMessage: { url, directPath: '/v/x.enc', mediaKey: Buffer.alloc(32, 1), mimetype: 'image/png' } } })
  const sock = {} as WASocket

  test('a literal private address and a name resolving to loopback are refused before any request', async () => {
    for (const [url, pattern] of [
      ['https://127.0.0.1/x', /127\.0\.0\.1 \(loopback\)/], ['https://[::ffff:192.168.1.1]/x', /private/],
      ['https://169.254.169.254/x', /link-local/], ['https://localhost:9443/x', /localhost resolves to .* \(loopback\)/],
    ] as const) {
      await assert.rejects(downloader.download(sock, image(url)), (err: unknown) => {
        assert.ok(err instanceof AppError && err.status === 400, String(err))
        assert.match(err.message, pattern)
        return true
      })
    }
  })
})
