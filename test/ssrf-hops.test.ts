// Every hop of every outbound fetch passes the address policy, literal IPs included. A trusted
// loopback host (the way the sandbox trusts the simulator's media host) redirects to another
// loopback port, to link-local and to private ranges: each redirect is refused before any
// connection (no traffic ever leaves loopback), and the untrusted loopback server sees no request.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpsServer, type Server } from 'node:https'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WAMessage, WASocket } from '@whiskeysockets/baileys'
import { AppError } from '../src/errors.js'
import { createLogger } from '../src/logger.js'
import { MediaDownloader } from '../src/messaging/download.js'
import { MediaFetcher } from '../src/messaging/media-fetch.js'
import { makeCertificate } from '../src/simulator/media-host.js'
import { GuardedAgent } from '../src/util/guarded-agent.js'
import { publicOnly } from '../src/util/net-guard.js'

const REDIRECTS: Record<string, string> = {
  '/to-private-10': 'http://10.0.0.1/latest',
  '/to-private-192': 'https://192.168.1.1/admin',
  '/to-link-local': 'http://169.254.169.254/latest/meta-data/',
  '/to-mapped': 'http://[::ffff:10.1.2.3]/x',
}

const listen = async (server: Server | HttpServer) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

const refused = async (p: Promise<unknown>, pattern: RegExp) => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError, `an AppError, got ${String(err)}`)
    assert.equal(err.status, 400, err.message)
    assert.match(err.message, pattern)
    return true
  })
}

describe('outbound fetches: every hop is checked', () => {
  const tls = makeCertificate('127.0.0.1')
  let trustedPort = 0
  let secretPort = 0
  let secretHits = 0
  let trustedHits = 0
  const servers: Array<Server | HttpServer> = []
  const route = (path: string, secretUrl: string) => REDIRECTS[path] ?? (path === '/to-loopback' ? secretUrl : undefined)

  before(async () => {
    // The "secret" service on another loopback port: the attacker wants its bytes.
    const secret = createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
      secretHits++
      res.end('internal secret')
    })
    secretPort = await listen(secret)
    const trusted = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      trustedHits++
      // A chain: /chain/3 → /chain/2 → /chain/1 (all on the trusted host) → loopback secret.
      const n = /^\/chain\/(\d)$/.exec(req.url ?? '')
      if (n) return res.writeHead(302, { location: Number(n[1]) > 1 ? `/chain/${Number(n[1]) - 1}` : '/to-loopback' }).end()
      const to = route(req.url ?? '', `https://127.0.0.1:${secretPort}/secret`)
      if (to) return res.writeHead(302, { location: to }).end()
      res.writeHead(404).end()
    })
    trustedPort = await listen(trusted)
    servers.push(secret, trusted)
  })

  after(() => {
    for (const s of servers) {
      s.closeAllConnections()
      s.close()
    }
  })

  describe('download-media (Baileys follows redirects inside native fetch)', () => {
    let downloader: MediaDownloader
    before(() => {
      // MEDIA_ALLOW_PRIVATE=false (publicOnly) with one trusted host:port, as in sandbox mode.
      downloader = new MediaDownloader(publicOnly, createLogger('silent'), { host: `127.0.0.1:${trustedPort}`, ca: tls.cert })
    })
    after(() => downloader.close())
    const image = (url: string): WAMessage => ({ key: { id: 'X' }, message: { imageMessage: { url, mediaKey: Buffer.alloc(32, 1), mimetype: 'image/png' } } })
    const sock = {} as WASocket

    test('a redirect from the trusted host to another loopback port is refused and never reaches it', async () => {
      const before = trustedHits
      await refused(downloader.download(sock, image(`https://127.0.0.1:${trustedPort}/to-loopback`)), /127\.0\.0\.1 \(loopback\)/)
      assert.equal(trustedHits, before + 1, 'the trusted first hop was fetched')
      assert.equal(secretHits, 0, 'the loopback target of the redirect saw no request')
    })

    test('a redirect chain through the trusted host ends at its loopback hop, refused', async () => {
      const before = trustedHits
      await refused(downloader.download(sock, image(`https://127.0.0.1:${trustedPort}/chain/3`)), /127\.0\.0\.1 \(loopback\)/)
      assert.equal(trustedHits, before + 4, 'three chain hops and the redirect to loopback were followed on the trusted host')
      assert.equal(secretHits, 0)
    })

    test('redirects to private ranges and link-local are refused before connecting', async () => {
      await refused(downloader.download(sock, image(`https://127.0.0.1:${trustedPort}/to-private-10`)), /10\.0\.0\.1 .*\(private\)/)
      await refused(downloader.download(sock, image(`https://127.0.0.1:${trustedPort}/to-private-192`)), /192\.168\.1\.1 .*\(private\)/)
      await refused(downloader.download(sock, image(`https://127.0.0.1:${trustedPort}/to-link-local`)), /169\.254\.169\.254 .*\(link-local\)/)
      await refused(downloader.download(sock, image(`https://127.0.0.1:${trustedPort}/to-mapped`)), /10\.1\.2\.3.*private/)
    })

    test('only the trusted host:port is trusted, not loopback: the secret port as first hop is refused', async () => {
      await refused(downloader.download(sock, image(`https://127.0.0.1:${secretPort}/secret`)), /loopback/)
      await refused(downloader.download(sock, image(`https://localhost:${trustedPort}/x`)), /localhost resolves to .*loopback/)
      assert.equal(secretHits, 0)
    })
  })

  describe('media URL sends (MediaFetcher, manual redirects)', () => {
    let dir = ''
    let fetcher: MediaFetcher
    let plainPort = 0
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wagw-ssrf-'))
      const plain = createHttpServer((req, res) => {
        const to = route(req.url ?? '', `http://127.0.0.2:${plainPort}/secret`)
        if (to) return res.writeHead(301, { location: to }).end()
        secretHits++
        res.end('secret')
      })
      plainPort = await listen(plain)
      servers.push(plain)
      // A test hook: 127.0.0.1 (the test server) is allowed, every other address follows MEDIA_ALLOW_PRIVATE=false.
      fetcher = new MediaFetcher((ip) => (ip === '127.0.0.1' ? null : publicOnly(ip)), dir)
    })
    after(async () => {
      await fetcher.close()
      rmSync(dir, { recursive: true, force: true })
    })

    test('a redirect chain to loopback, link-local and private ranges is refused at the hop', async () => {
      const limits = { maxBytes: 1000, timeoutMs: 2000 }
      await refused(fetcher.fetchToFile(`http://127.0.0.1:${plainPort}/to-loopback`, limits), /127\.0\.0\.2 .*\(loopback\)/)
      await refused(fetcher.fetchToFile(`http://127.0.0.1:${plainPort}/to-private-10`, limits), /10\.0\.0\.1 .*\(private\)/)
      await refused(fetcher.fetchToFile(`http://127.0.0.1:${plainPort}/to-link-local`, limits), /169\.254\.169\.254 .*\(link-local\)/)
      assert.equal(secretHits, 0)
    })
  })

  test('GuardedAgent refuses a blocked literal through native fetch (redirect: follow) without connecting', async () => {
    const agent = new GuardedAgent(publicOnly, { trustedHosts: [`127.0.0.1:${trustedPort}`], ca: tls.cert })
    try {
      const res = await fetch(`https://127.0.0.1:${trustedPort}/nothing`, { dispatcher: agent } as RequestInit)
      assert.equal(res.status, 404, 'the trusted origin is reachable')
      await res.body?.cancel()
      await assert.rejects(fetch(`https://127.0.0.1:${trustedPort}/to-link-local`, { dispatcher: agent } as RequestInit), (err: Error) => {
        assert.match(String((err.cause as Error | undefined)?.message), /169\.254\.169\.254 .*link-local/)
        return true
      })
    } finally {
      await agent.close()
    }
  })
})
