// Turning a decrypted proto.Message into the simulator's ReceivedMessage fields (type, text, caption, media ref).
import { normalizeMessageContent, proto, type MediaType } from '@whiskeysockets/baileys'
import type { ReceivedType } from './types.js'

/** The downloadable part of a media message. */
export interface MediaRef {
	kind: MediaType
	url?: string | null
	directPath?: string | null
	mediaKey?: Uint8Array | null
	fileEncSha256?: Uint8Array | null
	fileSha256?: Uint8Array | null
	mimetype?: string | null
	fileName?: string | null
}

export interface Classified {
	type: ReceivedType
	text?: string
	caption?: string
	media?: MediaRef
}

/** deviceSentMessage, ephemeral, viewOnce(V2/Extension), documentWithCaption, edited… wrappers removed. */
export function unwrapMessage(message: proto.IMessage): proto.IMessage {
	const inner = message.deviceSentMessage?.message ?? message
	return normalizeMessageContent(inner) ?? inner
}

const textOf = (m: proto.IMessage | null | undefined): string | undefined =>
	m?.conversation ?? m?.extendedTextMessage?.text ?? undefined

const opt = (s: string | null | undefined): string | undefined => (s === null || s === undefined ? undefined : s)

export function classify(m: proto.IMessage): Classified {
	if (m.conversation !== null && m.conversation !== undefined) return { type: 'text', text: m.conversation }
	if (m.extendedTextMessage) return { type: 'text', text: opt(m.extendedTextMessage.text) }
	if (m.imageMessage) return { type: 'image', caption: opt(m.imageMessage.caption), media: { kind: 'image', ...m.imageMessage } }
	if (m.videoMessage) return { type: 'video', caption: opt(m.videoMessage.caption), media: { kind: 'video', ...m.videoMessage } }
	if (m.audioMessage) return { type: 'audio', media: { kind: 'audio', ...m.audioMessage } }
	if (m.documentMessage) {
		return { type: 'document', caption: opt(m.documentMessage.caption), media: { kind: 'document', ...m.documentMessage } }
	}
	if (m.stickerMessage) return { type: 'sticker', media: { kind: 'sticker', ...m.stickerMessage } }
	if (m.reactionMessage) return { type: 'reaction', text: opt(m.reactionMessage.text) }
	if (m.protocolMessage) {
		const p = m.protocolMessage
		if (p.type === proto.Message.ProtocolMessage.Type.REVOKE) return { type: 'revoke' }
		if (p.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
			const edited = p.editedMessage ? unwrapMessage(p.editedMessage) : undefined
			return { type: 'edit', text: textOf(edited), caption: opt(edited?.imageMessage?.caption ?? edited?.videoMessage?.caption) }
		}
		return { type: 'other' }
	}
	const poll = m.pollCreationMessage ?? m.pollCreationMessageV2 ?? m.pollCreationMessageV3
	if (poll) return { type: 'poll', text: opt(poll.name) }
	if (m.locationMessage) return { type: 'location', text: opt(m.locationMessage.name) }
	if (m.liveLocationMessage) return { type: 'location', caption: opt(m.liveLocationMessage.caption) }
	if (m.contactMessage) return { type: 'contact', text: opt(m.contactMessage.displayName) }
	if (m.contactsArrayMessage) return { type: 'contact', text: opt(m.contactsArrayMessage.displayName) }
	if (m.buttonsMessage) return { type: 'buttons', text: opt(m.buttonsMessage.contentText) }
	if (m.templateMessage) {
		const t = m.templateMessage.hydratedTemplate ?? m.templateMessage.hydratedFourRowTemplate
		return { type: 'template', text: opt(t?.hydratedContentText) }
	}
	if (m.listMessage) return { type: 'list', text: opt(m.listMessage.description) }
	if (m.interactiveMessage) return { type: 'interactive', text: opt(m.interactiveMessage.body?.text) }
	return { type: 'other' }
}

/** WhatsApp media kind for a mimetype (image/webp is a sticker). */
export function mediaKindFor(mimetype: string): 'image' | 'video' | 'audio' | 'document' | 'sticker' {
	if (mimetype === 'image/webp') return 'sticker'
	if (mimetype.startsWith('image/')) return 'image'
	if (mimetype.startsWith('video/')) return 'video'
	if (mimetype.startsWith('audio/')) return 'audio'
	return 'document'
}

/** `type` attribute of an outgoing <message> (mirrors Baileys' getMessageType). */
export function stanzaTypeFor(m: proto.IMessage): string {
	const n = normalizeMessageContent(m) ?? m
	if (n.reactionMessage || n.encReactionMessage) return 'reaction'
	if (n.pollCreationMessage || n.pollCreationMessageV2 || n.pollCreationMessageV3 || n.pollUpdateMessage) return 'poll'
	if (mediaTypeAttr(n)) return 'media'
	return 'text'
}

/** `mediatype` attribute of <enc> (mirrors Baileys' getMediaType); '' when not media. */
export function mediaTypeAttr(m: proto.IMessage): string {
	if (m.imageMessage) return 'image'
	if (m.videoMessage) return m.videoMessage.gifPlayback ? 'gif' : 'video'
	if (m.audioMessage) return m.audioMessage.ptt ? 'ptt' : 'audio'
	if (m.contactMessage) return 'vcard'
	if (m.documentMessage) return 'document'
	if (m.contactsArrayMessage) return 'contact_array'
	if (m.liveLocationMessage) return 'livelocation'
	if (m.stickerMessage) return 'sticker'
	if (m.listMessage) return 'list'
	if (m.listResponseMessage) return 'list_response'
	if (m.buttonsResponseMessage) return 'buttons_response'
	if (m.orderMessage) return 'order'
	if (m.productMessage) return 'product'
	if (m.interactiveResponseMessage) return 'native_flow_response'
	if (m.groupInviteMessage) return 'url'
	return ''
}
