// Buttons, templates and lists in three forms. Baileys v7 has no builders for them, so the protos
// are built here: `native` (interactiveMessage + nativeFlowMessage, what current gateways send),
// `legacy` (buttonsMessage / templateMessage / listMessage, what the seed sent) and `text` (a
// numbered menu every client shows). Pure functions: no socket, no I/O.
import type { BinaryNode, proto } from '@whiskeysockets/baileys'

export const STYLES = ['native', 'legacy', 'text'] as const
export type Style = (typeof STYLES)[number]

export interface MenuButton {
  text: string
  /** quick reply id (what a reply carries back) */
  id?: string
  url?: string
  phone?: string
  copy?: string
}

export interface MenuRow { id: string; title: string; description?: string }
export interface MenuSection { title?: string; rows: MenuRow[] }

export interface Menu {
  form: 'buttons' | 'template' | 'list'
  title?: string
  body: string
  footer?: string
  buttons?: MenuButton[]
  list?: { buttonText: string; sections: MenuSection[] }
}

const opt = <T>(v: T | undefined | null | '') => (v === undefined || v === null || v === '' ? undefined : v)

function nativeButton(b: MenuButton, index: number): proto.Message.InteractiveMessage.NativeFlowMessage.INativeFlowButton {
  if (b.url) return { name: 'cta_url', buttonParamsJson: JSON.stringify({ display_text: b.text, url: b.url, merchant_url: b.url }) }
  if (b.phone) return { name: 'cta_call', buttonParamsJson: JSON.stringify({ display_text: b.text, phone_number: b.phone }) }
  if (b.copy) return { name: 'cta_copy', buttonParamsJson: JSON.stringify({ display_text: b.text, copy_code: b.copy }) }
  return { name: 'quick_reply', buttonParamsJson: JSON.stringify({ display_text: b.text, id: b.id ?? String(index) }) }
}

/** interactiveMessage with a native-flow button per entry (a list is one single_select button). */
export function buildNative(menu: Menu, image?: proto.Message.IImageMessage): proto.IMessage {
  const buttons = menu.form === 'list' && menu.list
    ? [{
        name: 'single_select',
        buttonParamsJson: JSON.stringify({
          title: menu.list.buttonText,
          sections: menu.list.sections.map((s) => ({
            title: s.title ?? '',
            rows: s.rows.map((r) => ({ header: '', title: r.title, description: r.description ?? '', id: r.id })),
          })),
        }),
      }]
    : (menu.buttons ?? []).map(nativeButton)
  const interactive: proto.Message.IInteractiveMessage = {
    body: { text: menu.body },
    footer: menu.footer ? { text: menu.footer } : undefined,
    header: menu.title || image ? { title: menu.title ?? '', subtitle: '', hasMediaAttachment: !!image, imageMessage: image } : undefined,
    nativeFlowMessage: { buttons, messageParamsJson: '', messageVersion: 1 },
  }
  // The view-once wrapper with device-list metadata is the envelope current clients expect.
  return {
    viewOnceMessage: {
      message: {
        messageContextInfo: { deviceListMetadata: {}, deviceListMetadataVersion: 2 },
        interactiveMessage: interactive,
      },
    },
  }
}

/** Extra stanza nodes for native flow: without them WhatsApp clients are known to drop the buttons. */
export const NATIVE_FLOW_NODES: BinaryNode[] = [{
  tag: 'biz',
  attrs: {},
  content: [{ tag: 'interactive', attrs: { type: 'native_flow', v: '1' }, content: [{ tag: 'native_flow', attrs: { v: '9', name: 'mixed' } }] }],
}]

// Enum values of the WhatsApp protocol (ButtonsMessage.HeaderType, Button.Type, ListMessage.ListType).
const HEADER_EMPTY = 1
const HEADER_TEXT = 2
const HEADER_IMAGE = 4
const BUTTON_RESPONSE = 1
const LIST_SINGLE_SELECT = 1

export class UnsupportedInStyle extends Error {}

/** The seed's forms: buttonsMessage, templateMessage.hydratedTemplate, listMessage. */
export function buildLegacy(menu: Menu, image?: proto.Message.IImageMessage): proto.IMessage {
  if (menu.form === 'list' && menu.list) {
    if (image) throw new UnsupportedInStyle('image: legacy list messages cannot carry an image (use style native or text)')
    return {
      listMessage: {
        title: opt(menu.title),
        description: menu.body,
        buttonText: menu.list.buttonText,
        listType: LIST_SINGLE_SELECT,
        footerText: opt(menu.footer),
        sections: menu.list.sections.map((s) => ({
          title: opt(s.title),
          rows: s.rows.map((r) => ({ title: r.title, description: opt(r.description), rowId: r.id })),
        })),
      },
    }
  }
  const buttons = menu.buttons ?? []
  if (menu.form === 'buttons') {
    return {
      buttonsMessage: {
        contentText: menu.body,
        footerText: opt(menu.footer),
        buttons: buttons.map((b, i) => ({ buttonId: b.id ?? String(i), buttonText: { displayText: b.text }, type: BUTTON_RESPONSE })),
        headerType: image ? HEADER_IMAGE : menu.title ? HEADER_TEXT : HEADER_EMPTY,
        ...(image ? { imageMessage: { ...image, caption: menu.body } } : menu.title ? { text: menu.title } : {}),
      },
    }
  }
  const hydratedButtons: proto.IHydratedTemplateButton[] = buttons.map((b, i) => {
    const index = i + 1
    if (b.url) return { index, urlButton: { displayText: b.text, url: b.url } }
    if (b.phone) return { index, callButton: { displayText: b.text, phoneNumber: b.phone } }
    if (b.copy) throw new UnsupportedInStyle('button: copy-code buttons need style native or text')
    return { index, quickReplyButton: { displayText: b.text, id: b.id ?? String(i) } }
  })
  const template: proto.Message.TemplateMessage.IHydratedFourRowTemplate = {
    hydratedContentText: menu.body,
    hydratedFooterText: opt(menu.footer),
    hydratedButtons,
    ...(image ? { imageMessage: image } : menu.title ? { hydratedTitleText: menu.title } : {}),
  }
  return { templateMessage: { hydratedTemplate: template, hydratedFourRowTemplate: template } }
}

/** The same content as plain text: a numbered menu any client shows. */
export function buildText(menu: Menu): string {
  const lines: string[] = []
  if (menu.title) lines.push(`*${menu.title}*`)
  lines.push(menu.body)
  lines.push('')
  let n = 0
  if (menu.form === 'list' && menu.list) {
    for (const s of menu.list.sections) {
      if (s.title) lines.push(`_${s.title}_`)
      for (const r of s.rows) lines.push(`${++n}. ${r.title}${r.description ? ` - ${r.description}` : ''}`)
    }
  } else {
    for (const b of menu.buttons ?? []) {
      const extra = b.url ? `: ${b.url}` : b.phone ? `: ${b.phone}` : b.copy ? `: ${b.copy}` : ''
      lines.push(`${++n}. ${b.text}${extra}`)
    }
  }
  if (menu.footer) lines.push('', menu.footer)
  return lines.join('\n').trim()
}
