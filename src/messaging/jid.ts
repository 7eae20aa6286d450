// `number` → WhatsApp JID. Users pass phone numbers in many shapes (+62 812-3456, 6281234...) or a
// full JID; everything is normalised here, once, with a message that says what was wrong.

export type TargetKind = 'pn' | 'group' | 'lid'

export interface Target {
  jid: string
  kind: TargetKind
}

export class InvalidNumberError extends Error {}

const PHONE_MIN = 5
const PHONE_MAX = 15
const DIGITS = new RegExp(`^\\d{${PHONE_MIN},${PHONE_MAX}}$`)

function phoneToJid(raw: string): Target {
  const digits = raw.replace(/[\s+().-]/g, '')
  if (!/^\d+$/.test(digits)) {
    throw new InvalidNumberError(`"${raw}" is not a phone number or a JID (…@s.whatsapp.net, …@g.us, …@lid)`)
  }
  if (digits.startsWith('0')) {
    throw new InvalidNumberError(`"${raw}" looks like a local number: use the international format, country code first (e.g. 6281234567890)`)
  }
  if (!DIGITS.test(digits)) {
    throw new InvalidNumberError(`"${raw}" must have ${PHONE_MIN}-${PHONE_MAX} digits`)
  }
  return { jid: `${digits}@s.whatsapp.net`, kind: 'pn' }
}

/** Parses one `number` value; throws InvalidNumberError with a user-facing message. */
export function parseTarget(input: unknown): Target {
  if (typeof input === 'number' && Number.isSafeInteger(input) && input > 0) input = String(input)
  if (typeof input !== 'string') throw new InvalidNumberError('must be a phone number or a JID string')
  const raw = input.trim()
  if (!raw) throw new InvalidNumberError('must not be empty')
  const at = raw.indexOf('@')
  if (at < 0) return phoneToJid(raw)
  const user = raw.slice(0, at)
  const server = raw.slice(at + 1).toLowerCase()
  switch (server) {
    case 's.whatsapp.net':
    case 'c.us': {
      // A device suffix (1234:5@…) addresses one device; a send goes to the user.
      const bare = user.split(':')[0]
      if (!DIGITS.test(bare)) throw new InvalidNumberError(`"${raw}" is not a valid user JID`)
      return { jid: `${bare}@s.whatsapp.net`, kind: 'pn' }
    }
    case 'g.us':
      if (!/^\d{5,40}(-\d{5,20})?$/.test(user)) throw new InvalidNumberError(`"${raw}" is not a valid group JID`)
      return { jid: `${user}@g.us`, kind: 'group' }
    case 'lid': {
      const bare = user.split(':')[0]
      if (!/^\d{5,20}$/.test(bare)) throw new InvalidNumberError(`"${raw}" is not a valid LID`)
      return { jid: `${bare}@lid`, kind: 'lid' }
    }
    default:
      throw new InvalidNumberError(`"${raw}": unsupported JID server "${server}" (use @s.whatsapp.net, @g.us or @lid)`)
  }
}

/** The user part of a JID without its device: 6281234:7@s.whatsapp.net → 6281234 (undefined for none). */
export const jidUser = (jid: string | null | undefined): string | undefined => jid?.split('@')[0]?.split(':')[0] || undefined
