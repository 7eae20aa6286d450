// A local webhook receiver for e2e tests: records every JSON body and lets a test wait for one.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface WebhookHit { path: string; body: Record<string, unknown> }

export interface WebhookReceiver {
  url: string
  hits: WebhookHit[]
  /** The first hit matching pred (already received or future); rejects after ms. */
  wait(pred: (h: WebhookHit) => boolean, what: string, ms?: number): Promise<WebhookHit>
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hits: WebhookHit[] = []
  const waiters = new Set<{ pred: (h: WebhookHit) => boolean; resolve: (h: WebhookHit) => void }>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      res.writeHead(200).end('ok')
      const hit = { path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }
      hits.push(hit)
      for (const w of [...waiters]) {
        if (!w.pred(hit)) continue
        waiters.delete(w)
        w.resolve(hit)
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    wait(pred, what, ms = 15_000) {
      const seen = hits.find(pred)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (h: WebhookHit) => { clearTimeout(timer); resolve(h) } }
        const timer = setTimeout(() => {
          waiters.delete(w)
          reject(new Error(`webhook receiver: timed out waiting for ${what} (${hits.length} hits so far)`))
        }, ms)
        waiters.add(w)
      })
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }),
  }
}
