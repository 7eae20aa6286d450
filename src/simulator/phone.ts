// The account's own phone: device 0, a real Signal device. It sends a message to a contact the way
// WhatsApp does: the contact gets it 1:1, and every linked device of the account (the gateway's
// companion) gets a `deviceSentMessage` copy addressed `from=<own device 0> recipient=<contact>`.
import type { BinaryNode, proto } from '@whiskeysockets/baileys'
import { companionAddress, type AccountState } from './accounts.js'
import type { ContactImpl } from './contact.js'
import type { Hub } from './hub.js'
import { historyChunks, historyNotification, type HistorySpec } from './history.js'
import { SignalDevice } from './signal-device.js'
import { newMessageId, SERVER_JID, unixTime } from './util.js'

export class PhoneDevices {
	private readonly devices = new Map<string, SignalDevice>()

	constructor(private readonly hub: Hub) {}

	/** Signal address of the account's phone, as peers name it. */
	static address(account: AccountState): string {
		return `${account.lid}:0@lid`
	}

	private deviceOf(account: AccountState): SignalDevice {
		let d = this.devices.get(account.phone)
		if (!d) {
			d = SignalDevice.create(this.hub.logger)
			this.devices.set(account.phone, d)
		}
		return d
	}

	/** The phone of `account` sends `message` to `contact`; resolves with the message id. */
	async send(account: AccountState, contact: ContactImpl, message: proto.IMessage): Promise<{ id: string }> {
		if (account.deviceId === undefined || !account.bundle) throw new Error(`account ${account.phone} has no linked device to copy the message to`)
		if (!contact.onWhatsApp) throw new Error(`contact ${contact.number} is not on WhatsApp`)
		const device = this.deviceOf(account)
		const id = newMessageId()
		const lidAddressed = contact.addressing === 'lid'
		const recipient = lidAddressed ? contact.lid : contact.jid
		const stanzaType = message.conversation || message.extendedTextMessage ? 'text' : 'media'
		await device.run(async () => {
			// 1. to the contact
			const contactAddress = `${contact.lidUser}:0@lid`
			if (!(await device.hasSession(contactAddress))) {
				const keyNode = await contact.takeKeyNode(`${contact.lidUser}@lid`)
				if (!keyNode) throw new Error(`contact ${contact.number} has no phone device`)
				await device.injectSession(keyNode)
			}
			const toContact = await device.encrypt(contactAddress, message)
			const outgoing: BinaryNode = { tag: 'message', attrs: { to: recipient, id, type: stanzaType, t: unixTime() } }
			contact.receiveDirect(account, outgoing, { tag: 'enc', attrs: { v: '2', type: toContact.type }, content: toContact.ciphertext }, PhoneDevices.address(account))
			// 2. the copy for the linked companion
			await this.toCompanion(account, device, { deviceSentMessage: { destinationJid: recipient, message } }, {
				...(lidAddressed
					? { from: `${account.lid}:0@lid`, recipient, ...(contact.hidePhone ? {} : { peer_recipient_pn: contact.jid }) }
					: { from: `${account.phone}:0@${SERVER_JID}`, recipient, peer_recipient_lid: contact.lid }),
				id,
				type: stanzaType
			})
		})
		return { id }
	}

	/**
	 * History for a newly linked companion, one peer message per chunk (`category="peer"`, from
	 * the phone to its own device), sent one after another so at most one chunk is in memory.
	 */
	async pushHistory(account: AccountState, spec: HistorySpec): Promise<void> {
		const device = this.deviceOf(account)
		let chunks = 0
		for (const chunk of historyChunks(spec)) {
			chunks++
			await device.run(() =>
				this.toCompanion(account, device, historyNotification(chunk), {
					from: `${account.phone}:0@${SERVER_JID}`,
					id: newMessageId(),
					type: 'text',
					category: 'peer'
				})
			)
		}
		this.hub.events.emit('history-pushed', { phone: account.phone, chunks })
	}

	/** A peer message (`category="peer"`) from the phone to its own companion (key shares and the like). */
	async sendPeer(account: AccountState, message: proto.IMessage): Promise<void> {
		const device = this.deviceOf(account)
		await device.run(() =>
			this.toCompanion(account, device, message, { from: `${account.phone}:0@${SERVER_JID}`, id: newMessageId(), type: 'text', category: 'peer' })
		)
	}

	/** Encrypts for the companion (a session from its uploaded bundle on first use) and delivers. Call inside device.run. */
	private async toCompanion(account: AccountState, device: SignalDevice, message: proto.IMessage, attrs: Record<string, string>): Promise<void> {
		const companion = companionAddress(account)
		if (!(await device.hasSession(companion))) {
			const keyNode = this.hub.takeAccountKeyNode(account, companion)
			if (!keyNode) throw new Error(`account ${account.phone} has not uploaded pre-keys yet`)
			await device.injectSession(keyNode)
		}
		const enc = await device.encrypt(companion, message)
		this.hub.deliver(account, {
			tag: 'message',
			attrs: { ...attrs, t: unixTime() },
			content: [{ tag: 'enc', attrs: { v: '2', type: enc.type }, content: enc.ciphertext }]
		})
	}
}
