// A simulated WhatsApp user with one real Signal device: receives (decrypts) what gateway accounts send,
// and sends 1:1 / group messages and media to them.
import { normalizeMessageContent, type BinaryNode, type proto } from '@whiskeysockets/baileys'
import { companionAddress, pnJid, type AccountState } from './accounts.js'
import type { Hub } from './hub.js'
import { fetchMedia, uploadMedia } from './contact-media.js'
import { classify, mediaTypeAttr, stanzaTypeFor, unwrapMessage } from './message-content.js'
import type { SignalDevice } from './signal-device.js'
import type { MediaInput, QuotedRef, ReceivedMessage, ReceivedReceipt, SimContact } from './types.js'
import { contentBuffer, Inbox, newMessageId, SerialQueue, unixTime } from './util.js'

export interface ContactInit {
	number: string
	lidUser: string
	name: string
	onWhatsApp: boolean
	echo: boolean
}

const DEFAULT_WAIT_MS = 10000

const encType = (enc: BinaryNode): 'pkmsg' | 'msg' => (enc.attrs.type === 'pkmsg' ? 'pkmsg' : 'msg')

export class ContactImpl implements SimContact {
	readonly number: string
	readonly lidUser: string
	readonly name: string
	readonly onWhatsApp: boolean
	readonly echo: boolean
	/** decrypt -> download media -> record, one message at a time, in arrival order */
	private readonly inbound = new SerialQueue()
	private readonly inbox = new Inbox<ReceivedMessage>()
	private readonly receiptBox = new Inbox<ReceivedReceipt>()
	/** sender|chat|message id of everything received: like a real device, a repeated id is not shown twice */
	private readonly seen = new Set<string>()

	constructor(
		private readonly hub: Hub,
		init: ContactInit,
		readonly device: SignalDevice
	) {
		this.number = init.number
		this.lidUser = init.lidUser
		this.name = init.name
		this.onWhatsApp = init.onWhatsApp
		this.echo = init.echo
	}

	get jid(): string {
		return pnJid(this.number)
	}

	get lid(): string {
		return `${this.lidUser}@lid`
	}

	received(): ReceivedMessage[] {
		return this.inbox.all()
	}

	waitForMessage(pred: (m: ReceivedMessage) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMessage> {
		return this.inbox.wait(pred, timeoutMs, `a message to contact ${this.number}`)
	}

	receipts(): ReceivedReceipt[] {
		return this.receiptBox.all()
	}

	waitForReceipt(pred: (r: ReceivedReceipt) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedReceipt> {
		return this.receiptBox.wait(pred, timeoutMs, `a receipt to contact ${this.number}`)
	}

	recordReceipt(r: ReceivedReceipt): void {
		this.receiptBox.push(r)
		this.hub.events.emit('contact-receipt', { contact: this.number, ...r })
	}

	/** Key-fetch entry for this contact's device (one one-time pre-key consumed). */
	takeKeyNode(jid: string): Promise<BinaryNode> {
		return this.device.run(() => this.device.takeKeyNode(jid))
	}

	// ---- gateway -> contact -------------------------------------------------------------------

	receiveDirect(account: AccountState, stanza: BinaryNode, enc: BinaryNode): void {
		const address = companionAddress(account) // captured now: the account may re-link later
		this.inbound
			.run(async () => {
				const message = await this.device.run(() => this.device.decrypt(address, encType(enc), contentBuffer(enc) ?? Buffer.alloc(0)))
				this.hub.onChange() // ratchet advanced
				if (this.isRepeat(account, this.jid, stanza)) return
				const m = await this.build(account, stanza, message, this.jid)
				// delivery receipt "from" the address the gateway used, so its message key matches;
				// scheduled before publishing so nothing a test does on the message can overtake it
				this.hub.deliverAfterLatency(account, { tag: 'receipt', attrs: { from: stanza.attrs.to ?? this.jid, id: m.id, t: unixTime() } }, () => {
					if (this.echo && m.type === 'text' && m.text !== undefined) {
						this.sendText(account.phone, `echo: ${m.text}`).catch((err: unknown) => this.hub.logger.warn({ err }, 'echo reply failed'))
					}
				})
				this.publish(m)
			})
			.catch((err: unknown) => this.hub.logger.warn({ err, contact: this.number, id: stanza.attrs.id }, 'contact failed to receive message'))
	}

	/** A group message: optional 1:1 <enc> carrying the sender key (SKDM), then the skmsg for everyone. */
	receiveGroup(account: AccountState, groupJid: string, stanza: BinaryNode, enc: BinaryNode | undefined, skmsg: BinaryNode): void {
		const author = companionAddress(account) // any stable name works: sender keys are stored locally
		this.inbound
			.run(async () => {
				const message = await this.device.run(async () => {
					if (enc) {
						const first = await this.device.decrypt(author, encType(enc), contentBuffer(enc) ?? Buffer.alloc(0))
						const skdm = (first.deviceSentMessage?.message ?? first).senderKeyDistributionMessage
						if (skdm) await this.device.processSenderKey(author, skdm)
					}
					return this.device.decryptGroup(groupJid, author, contentBuffer(skmsg) ?? Buffer.alloc(0))
				})
				this.hub.onChange()
				if (this.isRepeat(account, groupJid, stanza)) return
				const m = await this.build(account, stanza, message, groupJid)
				this.hub.deliverAfterLatency(account, { tag: 'receipt', attrs: { from: groupJid, participant: this.lid, id: m.id, t: unixTime() } })
				this.publish(m)
			})
			.catch((err: unknown) => this.hub.logger.warn({ err, contact: this.number, group: groupJid }, 'contact failed to receive group message'))
	}

	/**
	 * WhatsApp devices drop a message id they already received from the same sender in the same chat
	 * (a sender that resends after a crash reuses the id); the delivery receipt is still sent.
	 */
	private isRepeat(account: AccountState, chat: string, stanza: BinaryNode): boolean {
		const id = stanza.attrs.id ?? ''
		const key = `${account.phone}|${chat}|${id}`
		if (!this.seen.has(key)) {
			this.seen.add(key)
			return false
		}
		const from = chat === this.jid ? (stanza.attrs.to ?? this.jid) : chat
		this.hub.deliverAfterLatency(account, { tag: 'receipt', attrs: { from, ...(chat === this.jid ? {} : { participant: this.lid }), id, t: unixTime() } })
		this.hub.events.emit('contact-duplicate', { contact: this.number, from: pnJid(account.phone), chat, id })
		return true
	}

	/** ReceivedMessage for a decrypted message, media downloaded and verified. */
	private async build(account: AccountState, stanza: BinaryNode, decrypted: proto.Message, chat: string): Promise<ReceivedMessage> {
		const message = unwrapMessage(decrypted)
		const c = classify(message)
		const m: ReceivedMessage = {
			id: stanza.attrs.id ?? '',
			from: pnJid(account.phone),
			to: this.jid,
			chat,
			type: c.type,
			...(c.text !== undefined ? { text: c.text } : {}),
			...(c.caption !== undefined ? { caption: c.caption } : {}),
			message,
			receivedAt: Date.now()
		}
		if (c.media) {
			try {
				m.media = await fetchMedia(this.hub, c.media)
			} catch (err) {
				m.mediaError = (err as Error).message
			}
		}
		return m
	}

	private publish(m: ReceivedMessage): void {
		this.inbox.push(m)
		this.hub.events.emit('contact-message', m)
	}

	// ---- contact -> gateway -------------------------------------------------------------------

	sendText(toPhone: string, text: string, opts: { quoted?: QuotedRef } = {}): Promise<{ id: string }> {
		const q = opts.quoted
		if (!q) return this.sendMessage(toPhone, { conversation: text })
		const contextInfo: proto.IContextInfo = {
			stanzaId: q.id,
			participant: q.fromMe ? pnJid(toPhone) : this.jid,
			quotedMessage: { conversation: q.text ?? '' }
		}
		return this.sendMessage(toPhone, { extendedTextMessage: { text, contextInfo } })
	}

	async sendMedia(toPhone: string, media: MediaInput): Promise<{ id: string }> {
		this.requireAccount(toPhone)
		return this.sendMessage(toPhone, await uploadMedia(this.hub, media))
	}

	async sendMessage(toPhone: string, message: proto.IMessage): Promise<{ id: string }> {
		const account = this.requireAccount(toPhone)
		const id = newMessageId()
		await this.device.run(async () => {
			const enc = await this.encryptFor(account, message)
			const mediatype = mediaTypeAttr(normalizeMessageContent(message) ?? message)
			// delivered inside the device queue so stanzas leave in ratchet order
			this.hub.deliver(account, {
				tag: 'message',
				attrs: { from: this.jid, sender_lid: this.lid, notify: this.name, type: stanzaTypeFor(message), id, t: unixTime() },
				content: [{ tag: 'enc', attrs: { v: '2', type: enc.type, ...(mediatype ? { mediatype } : {}) }, content: enc.ciphertext }]
			})
		})
		this.hub.onChange()
		return { id }
	}

	/** Read receipts for messages the account `toPhone` sent to this contact (blue ticks on the gateway). */
	markRead(toPhone: string, messageIds: string[]): void {
		const account = this.requireAccount(toPhone)
		const [first, ...rest] = messageIds
		if (!first) return
		// same latency as delivery receipts, so a read never overtakes the delivery receipt
		this.hub.deliverAfterLatency(account, {
			tag: 'receipt',
			attrs: { from: this.jid, id: first, type: 'read', t: unixTime() },
			...(rest.length ? { content: [{ tag: 'list', attrs: {}, content: rest.map(id => ({ tag: 'item', attrs: { id } })) }] } : {})
		})
	}

	/** Typing indicator to the account (Baileys: presence.update). */
	sendChatState(toPhone: string, state: 'composing' | 'recording' | 'paused'): void {
		const account = this.requireAccount(toPhone)
		const child: BinaryNode = state === 'paused' ? { tag: 'paused', attrs: {} } : { tag: 'composing', attrs: state === 'recording' ? { media: 'audio' } : {} }
		// chatstates are not stored for offline devices
		if (account.connection && !account.connection.closed) account.connection.send({ tag: 'chatstate', attrs: { from: this.jid }, content: [child] })
	}

	sendGroupText(groupId: string, text: string): Promise<{ id: string }> {
		return this.sendGroupMessage(groupId, { conversation: text })
	}

	async sendGroupMessage(groupId: string, message: proto.IMessage): Promise<{ id: string }> {
		const group = this.hub.groups.get(groupId)
		if (!group) throw new Error(`sendGroupMessage: unknown group ${groupId}`)
		if (!group.participants.has(this.number)) throw new Error(`sendGroupMessage: ${this.number} is not in ${group.jid}`)
		const id = newMessageId()
		await this.device.run(async () => {
			const { ciphertext, skdm } = await this.device.encryptGroup(group.jid, this.lid, message)
			const mediatype = mediaTypeAttr(normalizeMessageContent(message) ?? message)
			for (const account of this.hub.groups.memberAccounts(group)) {
				if (account.deviceId === undefined || !account.bundle) continue
				// every recipient gets the sender key 1:1 first (Baileys processes it before the skmsg)
				const enc = await this.encryptFor(account, {
					senderKeyDistributionMessage: { groupId: group.jid, axolotlSenderKeyDistributionMessage: skdm }
				})
				this.hub.deliver(account, {
					tag: 'message',
					attrs: {
						from: group.jid,
						participant: this.lid,
						participant_pn: this.jid,
						addressing_mode: 'lid',
						notify: this.name,
						type: stanzaTypeFor(message),
						id,
						t: unixTime()
					},
					content: [
						{ tag: 'enc', attrs: { v: '2', type: enc.type }, content: enc.ciphertext },
						{ tag: 'enc', attrs: { v: '2', type: 'skmsg', ...(mediatype ? { mediatype } : {}) }, content: ciphertext }
					]
				})
			}
		})
		this.hub.onChange()
		return { id }
	}

	/** Session with the account's companion, built from its uploaded bundle on first use (-> pkmsg). */
	private async encryptFor(account: AccountState, message: proto.IMessage): Promise<{ type: 'pkmsg' | 'msg'; ciphertext: Uint8Array }> {
		const address = companionAddress(account)
		if (!(await this.device.hasSession(address))) {
			const keyNode = this.hub.takeAccountKeyNode(account, address)
			if (!keyNode) throw new Error(`account ${account.phone} has not uploaded pre-keys yet (never logged in)`)
			await this.device.injectSession(keyNode)
		}
		return this.device.encrypt(address, message)
	}

	private requireAccount(phone: string): AccountState {
		if (!this.onWhatsApp) throw new Error(`contact ${this.number} is not on WhatsApp`)
		const account = this.hub.accounts.get(phone)
		if (!account || account.deviceId === undefined) throw new Error(`no linked gateway account ${phone}`)
		return account
	}
}
