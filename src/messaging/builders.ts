// Validated body → what to send, one builder per send action. Builders only describe the message;
// the messenger owns the socket, the media files and the actual send.
import type { AnyMessageContent, BinaryNode, proto, WAMessageKey } from '@whiskeysockets/baileys'
import { badRequest } from '../errors.js'
import { buildLegacy, buildNative, buildText, NATIVE_FLOW_NODES, UnsupportedInStyle, type Menu, type Style } from './interactive.js'
import { parseTarget } from './jid.js'
import type { LocalMedia, MediaInput } from './media-source.js'
import { buildVcard } from './vcard.js'

export type Built =
  | { kind: 'content'; content: AnyMessageContent }
  | { kind: 'proto'; message: proto.IMessage; nodes?: BinaryNode[] }

export interface BuildContext {
  /** The chat the message goes to. */
  jid: string
  /**
   * Loads media (URL/base64/upload) into a local file the messenger cleans up after the send.
   * `slot` names it within the message: 'main' (url/base64/file) or 'image' (a menu header).
   */
  media(input: MediaInput, slot: MediaSlot): Promise<LocalMedia>
  /** Uploads an image for a header (buttons/template/list) and returns its imageMessage. */
  headerImage(path: string, mimetype: string): Promise<proto.Message.IImageMessage>
  /** A stored message's key, so edits/reactions can fill what the caller left out. */
  findKey?(id: string): Promise<WAMessageKey | undefined>
}

export type MediaSlot = 'main' | 'image'

type Body = Record<string, unknown>
export type Builder = (body: Body, ctx: BuildContext) => Promise<Built>

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const bool = (v: unknown) => v === true || v === 'true'

/** A caller's key, completed: remoteJid defaults to the chat, fromMe to what the store knows. */
export async function toKey(raw: unknown, ctx: BuildContext, fromMeDefault: boolean): Promise<WAMessageKey> {
  const k = (raw ?? {}) as Record<string, unknown>
  const id = String(k.id)
  const known = await ctx.findKey?.(id)
  let remoteJid = str(k.remoteJid) ?? known?.remoteJid ?? ctx.jid
  try {
    remoteJid = parseTarget(remoteJid).jid
  } catch {
    // keep what the caller gave (e.g. status@broadcast); WhatsApp will judge it
  }
  const fromMe = k.fromMe === undefined || k.fromMe === null ? (known?.fromMe ?? fromMeDefault) : bool(k.fromMe)
  const participant = str(k.participant) ?? known?.participant ?? undefined
  return { remoteJid, fromMe, id, ...(participant ? { participant } : {}) }
}

const mentionsOf = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length ? v.map((m) => parseTarget(m).jid) : undefined

const text: Builder = async (b) => ({ kind: 'content', content: { text: String(b.text), mentions: mentionsOf(b.mentions) } })

const media: Builder = async (b, ctx) => {
  const m = await ctx.media({ url: str(b.url), base64: str(b.base64), type: str(b.type), mimetype: str(b.mimetype), fileName: str(b.fileName) }, 'main')
  const caption = str(b.caption)
  const src = { url: m.path }
  const viewOnce = bool(b.viewOnce) || undefined
  switch (m.kind) {
    case 'image': return { kind: 'content', content: { image: src, mimetype: m.mimetype, caption, viewOnce } }
    case 'video': return { kind: 'content', content: { video: src, mimetype: m.mimetype, caption, viewOnce } }
    case 'audio': return { kind: 'content', content: { audio: src, mimetype: m.mimetype, ptt: bool(b.ptt) } }
    case 'sticker': return { kind: 'content', content: { sticker: src, mimetype: m.mimetype } }
    default: return { kind: 'content', content: { document: src, mimetype: m.mimetype, fileName: m.fileName ?? 'file', caption } }
  }
}

const sticker: Builder = async (b, ctx) => {
  const m = await ctx.media({ url: str(b.url), base64: str(b.base64), type: 'sticker' }, 'main')
  return { kind: 'content', content: { sticker: { url: m.path }, mimetype: m.mimetype } }
}

/** buttons / template / list → the chosen style; a header image is uploaded once per send. */
async function menuMessage(menu: Menu, b: Body, ctx: BuildContext): Promise<Built> {
  const style = (str(b.style) ?? 'native') as Style
  const imageUrl = str(b.image)
  if (style === 'text') {
    const body = buildText(menu)
    if (!imageUrl) return { kind: 'content', content: { text: body } }
    const m = await ctx.media({ url: imageUrl, type: 'image' }, 'image')
    return { kind: 'content', content: { image: { url: m.path }, mimetype: m.mimetype, caption: body } }
  }
  let image: proto.Message.IImageMessage | undefined
  if (imageUrl) {
    if (style === 'legacy' && menu.form === 'list') throw badRequest('image: legacy list messages cannot carry an image (use style native or text)')
    const m = await ctx.media({ url: imageUrl, type: 'image' }, 'image')
    image = await ctx.headerImage(m.path, m.mimetype)
  }
  try {
    if (style === 'legacy') return { kind: 'proto', message: buildLegacy(menu, image) }
    return { kind: 'proto', message: buildNative(menu, image), nodes: NATIVE_FLOW_NODES }
  } catch (err) {
    if (err instanceof UnsupportedInStyle) throw badRequest(err.message)
    throw err
  }
}

type RawButton = { displayText: string; id?: string; url?: string; phoneNumber?: string; copyCode?: string }
const buttonsOf = (v: unknown) =>
  (v as RawButton[]).map((x) => ({ text: x.displayText, id: str(x.id), url: str(x.url), phone: str(x.phoneNumber), copy: str(x.copyCode) }))

const buttonMessage: Builder = (b, ctx) =>
  menuMessage({ form: 'buttons', title: str(b.title), body: String(b.message ?? b.text), footer: str(b.footer), buttons: buttonsOf(b.button).map(({ text, id }) => ({ text, id })) }, b, ctx)

const templateMessage: Builder = (b, ctx) =>
  menuMessage({ form: 'template', title: str(b.title), body: String(b.text), footer: str(b.footer), buttons: buttonsOf(b.button) }, b, ctx)

type RawSection = { title?: string; rows: Array<{ title: string; rowId?: string; description?: string }> }
const listMessage: Builder = (b, ctx) => {
  let n = 0
  const sections = (b.list as RawSection[]).map((s) => ({
    title: str(s.title),
    // A row without rowId gets its position in the whole list (0-based), like buttons get theirs.
    rows: s.rows.map((r) => {
      const id = str(r.rowId) ?? String(n)
      n++
      return { id, title: r.title, description: str(r.description) }
    }),
  }))
  return menuMessage({ form: 'list', title: str(b.title), body: String(b.text), footer: str(b.footer), list: { buttonText: String(b.buttonText), sections } }, b, ctx)
}

const reaction: Builder = async (b, ctx) => ({ kind: 'content', content: { react: { text: String(b.text ?? ''), key: await toKey(b.key, ctx, false) } } })

const deleteForEveryone: Builder = async (b, ctx) => ({ kind: 'content', content: { delete: await toKey(b.key, ctx, true) } })

const edit: Builder = async (b, ctx) => ({ kind: 'content', content: { text: String(b.text), edit: await toKey(b.key, ctx, true) } })

const location: Builder = async (b) => ({
  kind: 'content',
  content: { location: { degreesLatitude: Number(b.latitude), degreesLongitude: Number(b.longitude), name: str(b.name), address: str(b.address) } },
})

type Card = { fullName: string; phone: string | number; organization?: string; email?: string }
const contact: Builder = async (b) => {
  const cards = (Array.isArray(b.contacts) ? b.contacts : [b.contact]) as Card[]
  const contacts = cards.map((c) => ({ displayName: c.fullName, vcard: buildVcard({ ...c, phone: String(c.phone) }) }))
  return { kind: 'content', content: { contacts: { displayName: cards.length === 1 ? cards[0].fullName : `${cards.length} contacts`, contacts } } }
}

const poll: Builder = async (b) => {
  const values = (b.options as unknown[]).map(String)
  const selectable = b.selectableCount === undefined || b.selectableCount === null ? 1 : Number(b.selectableCount)
  return { kind: 'content', content: { poll: { name: String(b.name), values, selectableCount: selectable } } }
}

export const BUILDERS: Record<string, Builder> = {
  sendText: text,
  sendMedia: media,
  sendButtonMessage: buttonMessage,
  sendTemplateMessage: templateMessage,
  sendListMessage: listMessage,
  sendReaction: reaction,
  sendLocation: location,
  sendContact: contact,
  sendPoll: poll,
  sendSticker: sticker,
  editMessage: edit,
  deleteForEveryone,
}
