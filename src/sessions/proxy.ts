// A proxy per instance (or PROXY for all): the WhatsApp websocket and media uploads of that
// instance go through it. socks5/socks5h/socks4/socks4a via socks-proxy-agent, http/https (CONNECT)
// via https-proxy-agent; TLS to WhatsApp is still verified end to end.
import type { Agent, AgentOptions } from 'node:https'
import { HttpsProxyAgent } from 'https-proxy-agent'
import { SocksProxyAgent } from 'socks-proxy-agent'

const PROTOCOLS = ['socks5:', 'socks5h:', 'socks4:', 'socks4a:', 'http:', 'https:']

export class InvalidProxyError extends Error {}

/** The proxy URL as given, checked: a known scheme, a host and a port. */
export function parseProxy(raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InvalidProxyError(`"${maskProxy(raw)}" is not a URL; use e.g. socks5://user:pass@host:1080 or http://host:3128`)
  }
  if (!PROTOCOLS.includes(url.protocol)) throw new InvalidProxyError(`proxy scheme must be one of ${PROTOCOLS.map((p) => p.slice(0, -1)).join(', ')}`)
  if (!url.hostname) throw new InvalidProxyError('proxy URL has no host')
  if (url.pathname !== '/' && url.pathname !== '') throw new InvalidProxyError('proxy URL must not have a path')
  return url
}

/** The URL with its password hidden, for listings and logs. */
export function maskProxy(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password) url.password = '***'
    return url.toString().replace(/\/$/, '')
  } catch {
    return '(invalid proxy URL)'
  }
}

/** An agent that tunnels through the proxy; `tls` (e.g. an extra CA) applies to the end server. */
export function proxyAgent(raw: string, tls: AgentOptions = {}): Agent {
  const url = parseProxy(raw)
  const agent = url.protocol.startsWith('socks') ? new SocksProxyAgent(url, tls) : new HttpsProxyAgent(url, tls)
  // agent-base agents serve http and https requests alike; Baileys' types ask for an https.Agent.
  return agent as unknown as Agent
}
