// An undici `connect` that reaches the origin through a proxy (SOCKS4/5 or HTTP(S) CONNECT) while
// keeping the SSRF guard: the origin's name is resolved and checked HERE, and the proxy is asked
// for that checked address, never for a name it would resolve itself. TLS to the origin is ours,
// verified end to end (servername = the origin's name).
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { SocksClient } from 'socks'
import type { buildConnector } from 'undici'
import { stripBrackets } from './net-guard.js'

export type Resolve = (hostname: string) => Promise<string>

export interface TunnelOptions {
  /** Resolves and checks a name (the address policy); literal IPs are checked by the caller. */
  resolve: Resolve
  ca?: string
  timeoutMs?: number
}

async function openTunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<Socket> {
  if (proxy.protocol.startsWith('socks')) {
    const { socket } = await SocksClient.createConnection({
      proxy: {
        host: proxy.hostname, port: Number(proxy.port || 1080), type: proxy.protocol.startsWith('socks4') ? 4 : 5,
        ...(proxy.username ? { userId: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) } : {}),
      },
      command: 'connect',
      destination: { host, port },
      timeout: timeoutMs,
    })
    return socket
  }
  const auth = proxy.username ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` : undefined
  const target = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`
  const send = proxy.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<Socket>((resolve, reject) => {
    const req = send({
      host: proxy.hostname, port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)), method: 'CONNECT', path: target,
      headers: { host: target, ...(auth ? { 'proxy-authorization': auth } : {}) }, timeout: timeoutMs,
    })
    req.once('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode === 200) return resolve(socket)
      socket.destroy()
      reject(new Error(`proxy refused CONNECT ${target}: HTTP ${res.statusCode}`))
    })
    req.once('timeout', () => req.destroy(new Error(`proxy did not answer CONNECT ${target} in ${timeoutMs} ms`)))
    req.once('error', reject)
    req.end()
  })
}

/** undici's `connect` option: every connection of the agent goes through `proxyUrl`. */
export function proxyConnector(proxyUrl: string, opts: TunnelOptions): buildConnector.connector {
  const proxy = new URL(proxyUrl)
  const timeoutMs = opts.timeoutMs ?? 10_000
  return (options, callback) => {
    const name = stripBrackets(options.hostname)
    const port = Number(options.port || (options.protocol === 'https:' ? 443 : 80))
    const run = async (): Promise<Socket> => {
      const address = isIP(name) ? name : await opts.resolve(name)
      const raw = await openTunnel(proxy, address, port, timeoutMs)
      if (options.protocol !== 'https:') return raw
      return new Promise<Socket>((resolve, reject) => {
        const tls = tlsConnect({ socket: raw, servername: isIP(name) ? undefined : name, ...(opts.ca ? { ca: opts.ca } : {}), ALPNProtocols: ['http/1.1'] })
        tls.once('secureConnect', () => resolve(tls))
        tls.once('error', (err) => {
          raw.destroy()
          reject(err)
        })
      })
    }
    run().then((socket) => callback(null, socket), (err: Error) => callback(err, null))
  }
}
