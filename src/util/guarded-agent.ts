// The one HTTP agent for outgoing fetches a caller can aim (media URLs, download-media, webhooks):
// every request it dispatches — the first one and every redirect hop native fetch follows on its
// own — passes the address policy. Literal IPs are checked here (sockets never call `lookup` for
// them); names are checked on the addresses DNS returns, inside the connect. Explicitly trusted
// origins (`host:port`, e.g. the sandbox's media host) skip the policy; nothing else does.
import { isIP } from 'node:net'
import { Agent, type Dispatcher } from 'undici'
import { BlockedAddressError, guardedLookup, stripBrackets, type AddressPolicy } from './net-guard.js'
import { proxyConnector } from './proxy-tunnel.js'

export interface GuardedAgentOptions {
  /** `host:port` origins allowed whatever the policy says (the port is required: 443/80 if default). */
  trustedHosts?: string[]
  /** Extra CA (PEM) for TLS; replaces the default roots (sandbox mode only). */
  ca?: string
  connectTimeoutMs?: number
  /** Reach origins through this proxy (an instance's); the policy still checks the resolved address. */
  proxy?: string
}

const hostWithPort = (u: URL) => `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`

export class GuardedAgent extends Agent {
  private readonly trusted: Set<string>
  private readonly trustedNames: Set<string>

  constructor(private readonly policy: AddressPolicy, opts: GuardedAgentOptions = {}) {
    const trusted = new Set(opts.trustedHosts ?? [])
    // A trusted name still resolves through the guard unless it is trusted as a name.
    const trustedNames = new Set([...trusted].map((h) => stripBrackets(h.replace(/:\d+$/, ''))))
    const guarded = guardedLookup((ip) => policy(ip))
    const lookup: typeof guarded = (hostname, options, callback) =>
      trustedNames.has(hostname) ? guardedLookup(() => null)(hostname, options, callback) : guarded(hostname, options, callback)
    const resolve = (hostname: string) => new Promise<string>((done, fail) => {
      lookup(hostname, { all: true }, (err, addresses) => {
        const first = Array.isArray(addresses) ? addresses[0]?.address : addresses
        if (err || !first) return fail(err ?? new Error(`no address for ${hostname}`))
        done(first)
      })
    })
    super({
      connect: opts.proxy
        ? proxyConnector(opts.proxy, { resolve, ca: opts.ca, timeoutMs: opts.connectTimeoutMs })
        : { lookup, ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.connectTimeoutMs ? { timeout: opts.connectTimeoutMs } : {}) },
    })
    this.trusted = trusted
    this.trustedNames = trustedNames
  }

  /** Why this origin may not be fetched, or null. Exposed for callers that want to refuse early. */
  refusal(origin: string | URL): BlockedAddressError | null {
    const url = typeof origin === 'string' ? new URL(origin) : origin
    if (this.trusted.has(hostWithPort(url))) return null
    const host = stripBrackets(url.hostname)
    if (!isIP(host)) {
      // A trusted name skips the DNS guard, so it is trusted on its one port only.
      return this.trustedNames.has(host) ? new BlockedAddressError(host, hostWithPort(url), 'trusted on another port only') : null
    }
    const reason = this.policy(host)
    return reason ? new BlockedAddressError(host, host, reason) : null
  }

  override dispatch(options: Agent.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    let blocked: Error | null
    try {
      blocked = this.refusal(String(options.origin))
    } catch (err) {
      blocked = err as Error
    }
    if (blocked) {
      // undici's own convention for a refused dispatch: report through the handler, never throw.
      handler.onError?.(blocked)
      return false
    }
    return super.dispatch(options, handler)
  }
}
