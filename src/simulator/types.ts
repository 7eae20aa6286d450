// Public types of the simulator (re-exported by index.ts). Other modules code against these: keep them stable.
import type { proto } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'

export interface SimulatorOptions {
	/** interface for the websocket and media servers; default 127.0.0.1 */
	host?: string
	/** websocket port, 0 = ephemeral (default) */
	port?: number
	/** HTTPS media host port, 0 = ephemeral (default) */
	mediaPort?: number
	logger?: Logger
	/** simulated network latency before a contact's delivery receipt / echo reply, in ms (default 200: Baileys buffers events for 100 ms, and a receipt inside that window is folded into the send and emits no messages.update; 0 = immediate) */
	receiptDelayMs?: number
	/** persist the simulated network (accounts, contacts, groups, media) here; restored by the next start */
	dataDir?: string
}

export type ReceivedType =
	| 'text'
	| 'image'
	| 'video'
	| 'audio'
	| 'document'
	| 'sticker'
	| 'reaction'
	| 'revoke'
	| 'edit'
	| 'poll'
	| 'location'
	| 'contact'
	| 'buttons'
	| 'template'
	| 'list'
	| 'interactive'
	| 'other'

export interface ReceivedMedia {
	mimetype: string
	size: number
	/** hex sha256 of the decrypted bytes */
	sha256: string
	fileName?: string
	data: Buffer
}

/** A message a simulated contact received from a gateway account and decrypted. */
export interface ReceivedMessage {
	id: string
	/** sender's PN jid (the gateway account) */
	from: string
	/** the receiving contact's PN jid */
	to: string
	/** contact jid for 1:1 chats, group jid (…@g.us) for groups */
	chat: string
	type: ReceivedType
	text?: string
	caption?: string
	media?: ReceivedMedia
	/** set when the media could not be downloaded/decrypted (message still recorded) */
	mediaError?: string
	/** which of the contact's devices decrypted it (0 = its phone; 1… its linked devices) */
	device?: number
	/** the decoded message after unwrapping deviceSentMessage/ephemeral/viewOnce/documentWithCaption/edited wrappers */
	message: proto.IMessage
	receivedAt: number
}

/** A receipt the gateway sent for a message a contact had sent it (delivery, read, …). */
export interface ReceivedReceipt {
	/** message id the receipt is about (one receipt may cover several ids; each gets an entry) */
	id: string
	/** receipt type attribute: '' (delivered), 'read', 'read-self', 'inactive', 'played', … */
	type: string
	/** account PN jid that sent it */
	from: string
	receivedAt: number
}

export interface QuotedRef {
	/** id of the quoted message */
	id: string
	/** text of the quoted message, used to build quotedMessage */
	text?: string
	/** true when the quoted message was sent by the gateway account */
	fromMe?: boolean
}

export interface MediaInput {
	data: Buffer
	mimetype: string
	fileName?: string
	caption?: string
	/** audio only: send as a voice note */
	ptt?: boolean
}

export interface SimContact {
	readonly number: string
	/** number@s.whatsapp.net */
	readonly jid: string
	/** LID jid (…@lid) */
	readonly lid: string
	readonly onWhatsApp: boolean
	readonly name: string
	readonly echo: boolean
	/** privacy: the contact messages by LID only and its number is never on its stanzas */
	readonly hidePhone: boolean
	/** 'pn': 1:1 stanzas come from the phone jid (+ sender_lid); 'lid': from the LID (+ sender_pn unless hidden) */
	readonly addressing: 'pn' | 'lid'
	/** the jid its 1:1 stanzas come from (LID when LID-addressed) */
	readonly addressJid: string
	/** stop hiding the number: later stanzas carry sender_pn / participant_pn */
	revealPhone(): void
	/** the next n messages from the account fail to decrypt; a retry receipt follows at once ('auto') or on requestRetry ('manual') */
	failDecrypts(n: number, retry?: 'auto' | 'manual'): void
	/** ids this contact could not decrypt */
	undecryptable(): string[]
	waitForDecryptFailure(pred?: (id: string) => boolean, timeoutMs?: number): Promise<string>
	/** send the account `toPhone` a retry receipt for message `id` */
	requestRetry(toPhone: string, id: string, count?: number): void
	/** `device`: which of the contact's devices sends (default 0, its phone) */
	sendText(toPhone: string, text: string, opts?: { quoted?: QuotedRef; device?: number }): Promise<{ id: string }>
	sendMedia(toPhone: string, media: MediaInput, opts?: { device?: number }): Promise<{ id: string }>
	/** any message content (location, contact card, reaction, …) to the account `toPhone` */
	sendMessage(toPhone: string, message: proto.IMessage, opts?: { device?: number }): Promise<{ id: string }>
	/** device ids: 0 (the phone) and 1… (linked devices) */
	deviceIds(): number[]
	/** read receipts ("blue ticks") for messages the account `toPhone` sent to this contact */
	markRead(toPhone: string, messageIds: string[]): void
	/** typing / recording indicator to the account (only if it is connected) */
	sendChatState(toPhone: string, state: 'composing' | 'recording' | 'paused'): void
	sendGroupText(groupId: string, text: string): Promise<{ id: string }>
	sendGroupMessage(groupId: string, message: proto.IMessage): Promise<{ id: string }>
	/** oldest first */
	received(): ReceivedMessage[]
	waitForMessage(pred?: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>
	receipts(): ReceivedReceipt[]
	waitForReceipt(pred?: (r: ReceivedReceipt) => boolean, timeoutMs?: number): Promise<ReceivedReceipt>
}

export interface SimAccount {
	phone: string
	/** phone@s.whatsapp.net */
	jid: string
	/** LID jid (…@lid) */
	lid: string
	/** id of the linked companion device (the gateway's Baileys socket); undefined if none */
	deviceId?: number
	deviceJid?: string
	linked: boolean
	connected: boolean
	/** one-time pre-keys of the companion still available to peers */
	preKeysLeft: number
}

export interface SimGroupParticipant {
	/** PN jid */
	jid: string
	/** LID jid */
	lid: string
	admin: 'admin' | 'superadmin' | null
}

export interface SimGroup {
	/** full group jid: '<digits>@g.us' (group() accepts it with or without '@g.us') */
	id: string
	subject: string
	description?: string
	announce: boolean
	restrict: boolean
	/** PN jid of the creator */
	creator: string
	creation: number
	participants: SimGroupParticipant[]
	inviteCode: string
	/** disappearing-messages timer in seconds, 0 = off */
	ephemeral: number
}
