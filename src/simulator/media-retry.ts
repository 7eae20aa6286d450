// Media re-upload: the companion asks the phone for media whose blob expired on the CDN
// (`<receipt type="server-error">`, Baileys' updateMediaMessage). The phone, which has the message
// and its media key, uploads it again and answers `<notification type="mediaretry">` with the new
// direct path encrypted under the media key — or an error when it cannot (phone offline, unknown).
import { randomBytes } from 'node:crypto'
import { aesEncryptGCM, hkdf, proto, type BinaryNode } from '@whiskeysockets/baileys'
import { pnJid, type AccountState } from './accounts.js'
import type { Hub } from './hub.js'
import { unixTime } from './util.js'

/** What the phone remembers of a media message it has: enough to upload it again. */
export interface KnownMedia {
	mediaKey: Uint8Array
	directPath: string
	/** the chat as the account sees it, and who sent it */
	chat: string
	fromMe: boolean
}

export class MediaRetry {
	/** message id → media the account's phones know about (media sent to them by contacts) */
	private readonly known = new Map<string, KnownMedia>()
	/** accounts whose phone is switched off: it cannot re-upload */
	private readonly offline = new Set<string>()

	constructor(private readonly hub: Hub) {}

	remember(id: string, media: KnownMedia): void {
		this.known.set(id, media)
	}

	setPhoneOnline(phone: string, online: boolean): void {
		if (online) this.offline.delete(phone)
		else this.offline.add(phone)
	}

	/** `<receipt type="server-error" id to=<own jid>>` from the companion. */
	onRequest(account: AccountState, receipt: BinaryNode): void {
		const id = receipt.attrs.id ?? ''
		const media = this.known.get(id)
		const conn = account.connection
		if (!conn || conn.closed) return
		const fresh = media && !this.offline.has(account.phone) ? this.hub.media.reupload(media.directPath) : undefined
		const rmr: BinaryNode = { tag: 'rmr', attrs: { jid: media?.chat ?? '', from_me: `${!!media?.fromMe}` } }
		let result: BinaryNode
		if (!media || !fresh) {
			// NOT_FOUND: Baileys fails updateMediaMessage with a 404
			result = { tag: 'error', attrs: { code: `${proto.MediaRetryNotification.ResultType.NOT_FOUND}` } }
		} else {
			const plain = proto.MediaRetryNotification.encode({ stanzaId: id, directPath: fresh, result: proto.MediaRetryNotification.ResultType.SUCCESS }).finish()
			const iv = randomBytes(12)
			const key = hkdf(media.mediaKey, 32, { info: 'WhatsApp Media Retry Notification' })
			const ciphertext = aesEncryptGCM(plain, key, iv, Buffer.from(id))
			result = { tag: 'encrypt', attrs: {}, content: [{ tag: 'enc_p', attrs: {}, content: ciphertext }, { tag: 'enc_iv', attrs: {}, content: iv }] }
		}
		conn.send({ tag: 'notification', attrs: { from: pnJid(account.phone), type: 'mediaretry', id, t: unixTime() }, content: [rmr, result] })
	}
}
