// SSRF guard for every outgoing fetch the API lets a caller aim (media URLs, download-media URLs):
// private, loopback, link-local, unique-local, CGNAT and reserved addresses are refused. The check
// runs on the addresses DNS returns, inside the socket's own lookup, so a name that resolves
// differently on the second query (DNS rebinding) is still caught.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { lookup as dnsLookupAll } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

export class BlockedAddressError extends Error {
  readonly code = 'E_BLOCKED_ADDRESS'
  constructor(readonly host: string, readonly address: string, readonly reason: string, setting = 'MEDIA_ALLOW_PRIVATE') {
    super(`${host} resolves to ${address} (${reason}); private addresses are refused (set ${setting}=true to allow them)`)
  }
}

const V4_RANGES: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
]

const V6_RANGES: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
]

function buildList(ranges: Array<[string, number, string]>, type: 'ipv4' | 'ipv6'): Array<[BlockList, string]> {
  return ranges.map(([net, prefix, reason]) => {
    const list = new BlockList()
    list.addSubnet(net, prefix, type)
    return [list, reason]
  })
}

const V4_LISTS = buildList(V4_RANGES, 'ipv4')
const V6_LISTS = buildList(V6_RANGES, 'ipv6')

/** Expands an IPv6 literal to its 8 hextets (handles `::` and an embedded dotted IPv4 tail). */
function hextets(ip: string): number[] | null {
  let s = ip.split('%')[0].toLowerCase()
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (v4Tail) {
    const parts = v4Tail[1].split('.').map(Number)
    s = s.slice(0, -v4Tail[1].length) + `${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0
  const all = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...tail]
  if (all.length !== 8) return null
  const nums = all.map((h) => parseInt(h, 16))
  return nums.some((n) => Number.isNaN(n) || n < 0 || n > 0xffff) ? null : nums
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, IPv4-compatible), if any. */
export function embeddedIpv4(ip: string): string | null {
  const h = hextets(ip)
  if (!h) return null
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  const zeros = (n: number) => h.slice(0, n).every((x) => x === 0)
  if (zeros(5) && h[5] === 0xffff) return v4(h[6], h[7]) // ::ffff:a.b.c.d (IPv4-mapped)
  if (h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0)) return v4(h[6], h[7]) // 64:ff9b::/96 NAT64
  if (h[0] === 0x2002) return v4(h[1], h[2]) // 2002::/16 6to4
  if (zeros(6) && (h[6] !== 0 || h[7] > 1)) return v4(h[6], h[7]) // ::a.b.c.d (deprecated IPv4-compatible)
  return null
}

/** Why `ip` must not be fetched from, or null when it is a public unicast address. */
export function blockedReason(ip: string): string | null {
  const family = isIP(ip)
  if (family === 4) {
    if (ip === '255.255.255.255') return 'broadcast'
    for (const [list, reason] of V4_LISTS) if (list.check(ip, 'ipv4')) return reason
    return null
  }
  if (family === 6) {
    const inner = embeddedIpv4(ip)
    if (inner) {
      const reason = blockedReason(inner)
      return reason ? `IPv4 ${inner} inside IPv6: ${reason}` : null
    }
    const bare = ip.split('%')[0]
    for (const [list, reason] of V6_LISTS) if (list.check(bare, 'ipv6')) return reason
    return null
  }
  return 'not an IP address'
}

/** A policy decides which addresses are refused; injectable so tests can block one loopback IP. */
export type AddressPolicy = (ip: string) => string | null

export const publicOnly: AddressPolicy = blockedReason
export const allowAll: AddressPolicy = () => null

/** URL hostnames keep IPv6 literals in brackets. */
export const stripBrackets = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host)

/** Checks a literal-IP hostname up front (sockets skip `lookup` for literals). */
export function assertHostAllowed(hostname: string, policy: AddressPolicy, setting?: string): void {
  const host = stripBrackets(hostname)
  if (isIP(host)) {
    const reason = policy(host)
    if (reason) throw new BlockedAddressError(host, host, reason, setting)
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** A `dns.lookup` replacement for net/tls connect options that refuses blocked addresses. */
export function guardedLookup(policy: AddressPolicy, setting?: string) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, [])
      const list = addresses as LookupAddress[]
      for (const a of list) {
        const reason = policy(a.address)
        if (reason) return callback(new BlockedAddressError(hostname, a.address, reason, setting) as NodeJS.ErrnoException, [])
      }
      if (!list.length) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), [])
      if (options.all) return callback(null, list)
      callback(null, list[0].address, list[0].family)
    })
  }
}

/** The BlockedAddressError somewhere in an error's cause chain (fetch/undici wrap socket errors). */
export function findBlocked(err: unknown): BlockedAddressError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof BlockedAddressError) return e
  }
  return undefined
}

/**
 * Why `rawUrl`'s host may not be reached under `policy` (literal, or every address DNS gives now),
 * or undefined. For early refusal at configuration time; connections are checked again anyway.
 */
export async function urlRefusal(rawUrl: string, policy: AddressPolicy, setting?: string): Promise<string | undefined> {
  let host: string
  try {
    host = stripBrackets(new URL(rawUrl).hostname)
  } catch {
    return 'is not a valid URL'
  }
  try {
    assertHostAllowed(host, policy, setting)
    if (isIP(host)) return undefined
    const addresses = await dnsLookupAll(host, { all: true })
    for (const a of addresses) {
      const reason = policy(a.address)
      if (reason) return new BlockedAddressError(host, a.address, reason, setting).message
    }
    return undefined
  } catch (err) {
    if (err instanceof BlockedAddressError) return err.message
    return undefined // unresolvable now: delivery retries and is checked then
  }
}
