// Turning what users type (numbers, jids, invite links) into the jids WhatsApp expects.
import { badRequest } from '../errors.js'
import { InvalidNumberError, parseTarget } from '../messaging/jid.js'

const INVITE_CODE = /^[A-Za-z0-9_-]{6,64}$/
const INVITE_LINK = /^(?:https?:\/\/)?chat\.whatsapp\.com\/(?:invite\/)?([A-Za-z0-9_-]{6,64})\/?(?:[?#].*)?$/i

/** `120363…@g.us`, or the same without the suffix, through the one messaging parser; else undefined. */
function groupJidOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  const s = v.trim()
  try {
    const target = parseTarget(s.includes('@') ? s : `${s}@g.us`)
    return target.kind === 'group' ? target.jid : undefined
  } catch {
    return undefined
  }
}

export const isGroupJid = (v: unknown): v is string => groupJidOf(v) !== undefined

export function toGroupJid(v: string): string {
  const jid = groupJidOf(v)
  if (!jid) throw badRequest(`"${v}" is not a group id (expected digits@g.us)`)
  return jid
}

/** A participant as a PN or LID jid; phone numbers are normalised by the one messaging parser. */
export function toParticipantJid(v: unknown): string {
  let target
  try {
    target = parseTarget(v)
  } catch (err) {
    if (err instanceof InvalidNumberError) throw badRequest(`participant ${err.message}`)
    throw err
  }
  if (target.kind === 'group') throw badRequest(`participant "${String(v)}" is a group, not a person`)
  return target.jid
}

export function isParticipant(v: unknown): boolean {
  try {
    return parseTarget(v).kind !== 'group'
  } catch {
    return false
  }
}

export const isInviteCodeOrLink = (v: unknown): v is string =>
  typeof v === 'string' && (INVITE_CODE.test(v.trim()) || INVITE_LINK.test(v.trim()))

/** The code out of `AbC123…` or `https://chat.whatsapp.com/AbC123…`. */
export function parseInviteCode(v: string): string {
  const s = v.trim()
  const link = INVITE_LINK.exec(s)
  if (link) return link[1]
  if (INVITE_CODE.test(s)) return s
  throw badRequest(`"${v}" is not an invite code or a chat.whatsapp.com link`)
}

export const inviteLink = (code: string) => `https://chat.whatsapp.com/${code}`
