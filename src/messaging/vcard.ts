// vCard 3.0 for contact cards. Values are escaped so a name can never inject extra vCard lines.

export interface CardInput {
  fullName: string
  phone: string
  organization?: string
  email?: string
}

/** RFC 6350 §3.4 text escaping (backslash, comma, semicolon, newline). */
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\r?\n|\r/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;')

export function buildVcard(c: CardInput): string {
  const digits = c.phone.replace(/\D/g, '')
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${esc(c.fullName)}`, `N:;${esc(c.fullName)};;;`]
  if (c.organization) lines.push(`ORG:${esc(c.organization)}`)
  // waid lets WhatsApp clients offer "Message" / "Add" for the number.
  lines.push(`TEL;type=CELL;type=VOICE;waid=${digits}:+${digits}`)
  if (c.email) lines.push(`EMAIL:${esc(c.email)}`)
  lines.push('END:VCARD')
  return lines.join('\n')
}
