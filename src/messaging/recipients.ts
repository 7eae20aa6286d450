// Checks that a phone-number recipient is on WhatsApp before sending (a send to a number without
// WhatsApp would otherwise "succeed" and go nowhere). Results are cached per instance: positives
// for an hour, negatives for a minute, so a bulk batch does not ask twice.
import type { WASocket } from '@whiskeysockets/baileys'
import { badRequest } from '../errors.js'
import type { Logger } from '../logger.js'
import { jidUser, type Target } from './jid.js'

interface Entry { jid: string; exists: boolean; until: number }

const POSITIVE_MS = 60 * 60_000
const NEGATIVE_MS = 60_000
const MAX_ENTRIES = 50_000

export class Recipients {
  private readonly cache = new Map<string, Entry>()
  /** Lookups in flight, so concurrent sends to a new number ask WhatsApp once. */
  private readonly pending = new Map<string, Promise<{ exists: boolean; jid: string }>>()

  constructor(private readonly logger: Logger, private readonly now: () => number = Date.now) {}

  /** WhatsApp's answer for a number: {exists, jid}. */
  async lookup(token: string, sock: WASocket, jid: string): Promise<{ exists: boolean; jid: string }> {
    const key = `${token}|${jid}`
    const hit = this.cache.get(key)
    if (hit && hit.until > this.now()) return { exists: hit.exists, jid: hit.jid }
    let inFlight = this.pending.get(key)
    if (!inFlight) {
      inFlight = this.ask(key, sock, jid).finally(() => this.pending.delete(key))
      this.pending.set(key, inFlight)
    }
    return inFlight
  }

  private async ask(key: string, sock: WASocket, jid: string): Promise<{ exists: boolean; jid: string }> {
    const [result] = (await sock.onWhatsApp(jid)) ?? []
    const exists = !!result?.exists
    const entry = { jid: result?.jid ?? jid, exists, until: this.now() + (exists ? POSITIVE_MS : NEGATIVE_MS) }
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string)
    this.cache.set(key, entry)
    return { exists, jid: entry.jid }
  }

  /** The JID to send to; refuses numbers that are not on WhatsApp. Groups and LIDs pass as given. */
  async resolve(token: string, sock: WASocket, target: Target): Promise<string> {
    if (target.kind !== 'pn') return target.jid
    let answer: { exists: boolean; jid: string }
    try {
      answer = await this.lookup(token, sock, target.jid)
    } catch (err) {
      // The check is a courtesy: if the query itself fails, let the send decide.
      this.logger.debug({ token, err: String(err) }, 'onWhatsApp check failed; sending anyway')
      return target.jid
    }
    if (!answer.exists) throw badRequest(`${jidUser(target.jid)} is not on WhatsApp`)
    return answer.jid
  }
}
