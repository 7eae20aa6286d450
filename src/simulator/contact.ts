// A simulated WhatsApp user with one real Signal device: receives (decrypts) what gateway accounts send,
// and sends 1:1 / group messages and media to them.
import { normalizeMessageContent, type BinaryNode, type proto } from '@whiskeysockets/baileys'
import { companionAddress, pnJid, type AccountState } from './accounts.js'
import type { Hub } from './hub.js'
import { fetchMedia, uploadMedia } from './contact-media.js'
import { DecryptFailures, retryReceipt } from './contact-retry.js'
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
	/** privacy: messages name this contact by LID only, never with its number */
	hidePhone?: boolean
	/** 'pn' (default): stanzas come from the phone jid with `sender_lid`; 'lid': from the LID with `sender_pn` */
	addressing?: ContactAddressing
}

export type ContactAddressing = 'pn' | 'lid'

const DEFAULT_WAIT_MS = 10000

const encType = (enc: BinaryNode): 'pkmsg' | 'msg' => (enc.attrs.type === 'pkmsg' ? 'pkmsg' : 'msg')

export class ContactImpl implements SimContact {
	readonly number: string
	readonly lidUser: string
	readonly name: string
	readonly onWhatsApp: boolean
	readonly echo: boolean
	hidePhone: boolean
	addressing: ContactAddressing
	/** decrypt -> download media -> record, one message at a time, in arrival order */
	private readonly inbound = new SerialQueue()
	private readonly inbox = new Inbox<ReceivedMessage>()
	private readonly receiptBox = new Inbox<ReceivedReceipt>()
	private readonly failures = new DecryptFailures()

	/** device id → Signal device; 0 is the phone (`device`), others are the contact's linked devices */
	private readonly devices = new Map<number, SignalDevice>()
	/** sender|chat|message id of everything received: like a real device, a repeated id is not shown twice */
	private readonly seen = new Set<string>()

	constructor(
		private readonly hub: Hub,
		init: ContactInit,
		readonly device: SignalDevice,
		extraDevices: SignalDevice[] = []
	) {
		this.devices.set(0, device)
		extraDevices.forEach((d, i) => this.devices.set(i + 1, d))
		this.number = init.number
		this.lidUser = init.lidUser
		this.name = init.name
		this.onWhatsApp = init.onWhatsApp
		this.echo = init.echo
		this.hidePhone = !!init.hidePhone
		this.addressing = init.hidePhone ? 'lid' : (init.addressing ?? 'pn')
	}

	/** Device ids of this contact: 0 (its phone) and 1… for its linked devices (web, desktop). */
	deviceIds(): number[] {
		return [...this.devices.keys()]
	}

	/** The linked devices (1…), for persistence. */
	extraDevices(): SignalDevice[] {
		return [...this.devices.entries()].filter(([id]) => id !== 0).map(([, d]) => d)
	}

	private signalDevice(id: number): SignalDevice {
		const d = this.devices.get(id)
		if (!d) throw new Error(`contact ${this.number} has no device ${id}`)
		return d
	}

	/** The jid this contact's stanzas come from: its LID when LID-addressed (always when the number is hidden). */
	get addressJid(): string {
		return this.addressing === 'lid' ? this.lid : this.jid
	}

	/**
	 * Sender attributes of a 1:1 stanza, as WhatsApp sets them: PN-addressed `from=PN sender_lid=LID`,
	 * LID-addressed `from=LID sender_pn=PN`, and a hidden number `from=LID` alone.
	 */
	private senderAttrs(deviceId = 0): Record<string, string> {
		// a linked device names itself with its device id: user:device@server
		const pn = deviceId ? `${this.number}:${deviceId}@s.whatsapp.net` : this.jid
		const lid = deviceId ? `${this.lidUser}:${deviceId}@lid` : this.lid
		if (this.addressing === 'pn') return { from: pn, sender_lid: lid }
		return this.hidePhone ? { from: lid } : { from: lid, sender_pn: pn }
	}

	/** The contact stops hiding its number: later stanzas carry it (`sender_pn`, `participant_pn`). */
	revealPhone(): void {
		this.hidePhone = false
		this.hub.onChange()
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

	/** Key-fetch entry for one of this contact's devices (one one-time pre-key consumed); undefined if no such device. */
	takeKeyNode(jid: string, deviceId = 0): Promise<BinaryNode> | undefined {
		const d = this.devices.get(deviceId)
		return d?.run(() => d.takeKeyNode(jid))
	}

	// ---- gateway -> contact -------------------------------------------------------------------

	/**
	 * The next `n` messages from a gateway account fail to decrypt (as after a lost session): they
	 * are dropped, and the contact asks for a retry at once (`retry: 'auto'`) or when told to
	 * (`requestRetry`, e.g. after the gateway restarted so only its store still has the message).
	 */
	failDecrypts(n: number, retry: 'auto' | 'manual' = 'auto'): void {
		this.failures.simulate(n, retry)
	}

	/** Ids of messages this contact could not decrypt, oldest first. */
	undecryptable(): string[] {
		return this.failures.ids()
	}

	waitForDecryptFailure(pred: (id: string) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
		return this.failures.wait(pred, timeoutMs, `a decryption failure at contact ${this.number}`)
	}

	/** Retry receipt for message `id`: Baileys re-sends it from its recent-message cache or getMessage (the store). */
	requestRetry(toPhone: string, id: string, count = 1): void {
		const account = this.requireAccount(toPhone)
		this.hub.deliver(account, retryReceipt(this.failures.addressOf(id) ?? this.addressJid, id, count, this.device.creds.registrationId))
	}

	/** A real decryption failure (Bad MAC, no session, …): ask for the message again, like WhatsApp clients. */
	private retryAfterFailure(account: AccountState, stanza: BinaryNode, address: string, err: unknown): void {
		const id = stanza.attrs.id ?? ''
		this.hub.logger.warn({ err, contact: this.number, id }, 'contact could not decrypt; asking for a retry')
		if (address !== companionAddress(account)) return
		const count = this.failures.nextRetry(id, stanza.attrs.to ?? this.jid)
		if (count !== undefined) this.requestRetry(account.phone, id, count)
	}

	/** `address`: the sending device's Signal address (default the account's companion; the phone is device 0). */
	receiveDirect(account: AccountState, stanza: BinaryNode, enc: BinaryNode, address = companionAddress(account), deviceId = 0): void {
		const device = this.devices.get(deviceId)
		if (!device) return // the server only routes to devices it listed
		const simulated = address === companionAddress(account) && deviceId === 0
			? this.failures.takeSimulated(stanza.attrs.id ?? '', stanza.attrs.to ?? this.jid)
			: undefined
		if (simulated) {
			this.hub.logger.info({ contact: this.number, id: stanza.attrs.id }, 'contact could not decrypt (simulated)')
			if (simulated.retryNow) this.requestRetry(account.phone, stanza.attrs.id ?? '')
			return
		}
		// address captured now: the account may re-link later
		this.inbound
			.run(async () => {
				let message: proto.Message
				try {
					message = await device.run(() => device.decrypt(address, encType(enc), contentBuffer(enc) ?? Buffer.alloc(0)))
				} catch (err) {
					this.retryAfterFailure(account, stanza, address, err)
					return
				}
				this.hub.onChange() // ratchet advanced
				// each device keeps its own record of what it has seen
				if (this.isRepeat(account, this.jid, stanza, deviceId)) return
				const m = await this.build(account, stanza, message, this.jid)
				m.device = deviceId
				if (deviceId !== 0) {
					// a linked device of the contact: it reads along; receipts come from the phone
					this.publish(m)
					return
				}
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
	private isRepeat(account: AccountState, chat: string, stanza: BinaryNode, deviceId = 0): boolean {
		const id = stanza.attrs.id ?? ''
		const key = `${account.phone}|${chat}|${id}|${deviceId}`
		if (!this.seen.has(key)) {
			this.seen.add(key)
			return false
		}
		if (deviceId !== 0) return true // receipts come from the phone
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

	sendText(toPhone: string, text: string, opts: { quoted?: QuotedRef; device?: number } = {}): Promise<{ id: string }> {
		const q = opts.quoted
		const from = { device: opts.device }
		if (!q) return this.sendMessage(toPhone, { conversation: text }, from)
		const contextInfo: proto.IContextInfo = {
			stanzaId: q.id,
			participant: q.fromMe ? pnJid(toPhone) : this.jid,
			quotedMessage: { conversation: q.text ?? '' }
		}
		return this.sendMessage(toPhone, { extendedTextMessage: { text, contextInfo } }, from)
	}

	async sendMedia(toPhone: string, media: MediaInput, opts: { device?: number } = {}): Promise<{ id: string }> {
		this.requireAccount(toPhone)
		return this.sendMessage(toPhone, await uploadMedia(this.hub, media), opts)
	}

	async sendMessage(toPhone: string, message: proto.IMessage, opts: { device?: number } = {}): Promise<{ id: string }> {
		const account = this.requireAccount(toPhone)
		const deviceId = opts.device ?? 0
		const device = this.signalDevice(deviceId)
		const id = newMessageId()
		const media = classify(normalizeMessageContent(message) ?? message).media
		if (media?.mediaKey && media.directPath) {
			// the account's phone gets this message too: it can upload the media again later
			this.hub.mediaRetry.remember(id, { mediaKey: media.mediaKey, directPath: media.directPath, chat: this.addressJid, fromMe: false })
		}
		await device.run(async () => {
			const enc = await this.encryptFor(account, message, device)
			const mediatype = mediaTypeAttr(normalizeMessageContent(message) ?? message)
			// delivered inside the device queue so stanzas leave in ratchet order
			this.hub.deliver(account, {
				tag: 'message',
				attrs: { ...this.senderAttrs(deviceId), notify: this.name, type: stanzaTypeFor(message), id, t: unixTime() },
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
			attrs: { from: this.addressJid, id: first, type: 'read', t: unixTime() },
			...(rest.length ? { content: [{ tag: 'list', attrs: {}, content: rest.map(id => ({ tag: 'item', attrs: { id } })) }] } : {})
		})
	}

	/** Typing indicator to the account (Baileys: presence.update). */
	sendChatState(toPhone: string, state: 'composing' | 'recording' | 'paused'): void {
		const account = this.requireAccount(toPhone)
		const child: BinaryNode = state === 'paused' ? { tag: 'paused', attrs: {} } : { tag: 'composing', attrs: state === 'recording' ? { media: 'audio' } : {} }
		// chatstates are not stored for offline devices
		if (account.connection && !account.connection.closed) account.connection.send({ tag: 'chatstate', attrs: { from: this.addressJid }, content: [child] })
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
						...(this.hidePhone ? {} : { participant_pn: this.jid }),
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
	private async encryptFor(
		account: AccountState,
		message: proto.IMessage,
		device: SignalDevice = this.device
	): Promise<{ type: 'pkmsg' | 'msg'; ciphertext: Uint8Array }> {
		const address = companionAddress(account)
		if (!(await device.hasSession(address))) {
			const keyNode = this.hub.takeAccountKeyNode(account, address)
			if (!keyNode) throw new Error(`account ${account.phone} has not uploaded pre-keys yet (never logged in)`)
			await device.injectSession(keyNode)
		}
		return device.encrypt(address, message)
	}

	private requireAccount(phone: string): AccountState {
		if (!this.onWhatsApp) throw new Error(`contact ${this.number} is not on WhatsApp`)
		const account = this.hub.accounts.get(phone)
		if (!account || account.deviceId === undefined) throw new Error(`no linked gateway account ${phone}`)
		return account
	}
}
