// A small JSON-over-HTTP client on node:http. Not fetch: undici's default 300 s header timeout would
// cut create-instance calls that legitimately wait in the gateway's pairing queue; we bound waits ourselves.
import { Agent, request } from 'node:http'

// above PAIRING_CONCURRENCY's maximum (256): the gateway's own pairing queue, not this client, is the limit
const agent = new Agent({ keepAlive: true, maxSockets: 300 })

export interface JsonResponse {
  status: number
  body: unknown
}

export function httpJson(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      agent,
      headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined })
        } catch {
          reject(new Error(`${method} ${url}: non-JSON answer (${res.statusCode}): ${text.slice(0, 200)}`))
        }
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

export const basicAuth = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` })

export function closeHttpAgent(): void {
  agent.destroy()
}
