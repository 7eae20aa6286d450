// Group state (LID-addressed groups, like current WhatsApp), its wire form, w:gp2 notifications and message fan-out.
import { randomBytes } from 'node:crypto'
import { getBinaryNodeChild, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { pnJid, type AccountState } from './accounts.js'
import type { Hub } from './hub.js'
import { relayGroup } from './relay.js'
import type { SimGroup } from './types.js'
import { childrenOf, newMessageId, unixTime } from './util.js'

export type AdminRole = 'admin' | 'superadmin' | null

export interface GroupState {
	/** digits only; the jid is `${id}@g.us` */
	id: string
	jid: string
	subject: string
	subjectTime: number
	subjectOwner: string
	description?: string
	descId?: string
	descTime?: number
	announce: boolean
	restrict: boolean
	creator: string
	creation: number
	inviteCode: string
	ephemeral: number
	/** phone number -> role, insertion ordered */
	participants: Map<string, AdminRole>
}

export const newInviteCode = (): string => randomBytes(16).toString('base64url').slice(0, 22)

export const bareGroupId = (idOrJid: string): string => idOrJid.split('@')[0]!

export class GroupRegistry {
	private readonly groups = new Map<string, GroupState>()
	private seq = 0

	constructor(private readonly hub: Hub) {}

	get(idOrJid: string): GroupState | undefined {
		return this.groups.get(bareGroupId(idOrJid))
	}

	all(): GroupState[] {
		return [...this.groups.values()]
	}

	byInvite(code: string): GroupState | undefined {
		return this.all().find(g => g.inviteCode === code)
	}

	add(group: GroupState): GroupState {
		this.groups.set(group.id, group)
		return group
	}

	create(creator: string, subject: string, members: string[]): GroupState {
		let id: string
		do id = `1203630${`${Date.now() % 1e9}`.padStart(9, '0')}${`${++this.seq}`.padStart(4, '0')}`
		while (this.groups.has(id))
		const now = Math.floor(Date.now() / 1000)
		const participants = new Map<string, AdminRole>([[creator, 'superadmin']])
		for (const m of members) if (!participants.has(m)) participants.set(m, null)
		return this.add({
			id,
			jid: `${id}@g.us`,
			subject,
			subjectTime: now,
			subjectOwner: creator,
			announce: false,
			restrict: false,
			creator,
			creation: now,
			inviteCode: newInviteCode(),
			ephemeral: 0,
			participants
		})
	}

	/** The simulated accounts that are members (they get notifications and contacts' group messages). */
	memberAccounts(group: GroupState): AccountState[] {
		return [...group.participants.keys()].flatMap(phone => {
			const account = this.hub.accounts.get(phone)
			return account ? [account] : []
		})
	}

	/** LID + PN jids of a member phone (account or contact). */
	jidsOf(phone: string): { pn: string; lid: string } {
		const peer = this.hub.peerOf(pnJid(phone))
		return peer ? this.hub.jidsOf(peer) : { pn: pnJid(phone), lid: pnJid(phone) }
	}

	participantNode(phone: string, role: AdminRole): BinaryNode {
		const { pn, lid } = this.jidsOf(phone)
		const hidden = this.hub.contactsByNumber.get(phone)?.hidePhone
		return { tag: 'participant', attrs: { jid: lid, ...(hidden ? {} : { phone_number: pn }), ...(role ? { type: role } : {}) } }
	}

	/** `<group>` as in w:g2 query/create answers (parsed by Baileys' extractGroupMetadata). */
	groupNode(g: GroupState): BinaryNode {
		const creator = this.jidsOf(g.creator)
		const subjectOwner = this.jidsOf(g.subjectOwner)
		const content: BinaryNode[] = [...g.participants].map(([phone, role]) => this.participantNode(phone, role))
		if (g.description !== undefined) {
			content.push({
				tag: 'description',
				attrs: { id: g.descId ?? '', t: `${g.descTime ?? g.creation}` },
				content: [{ tag: 'body', attrs: {}, content: Buffer.from(g.description) }]
			})
		}
		if (g.announce) content.push({ tag: 'announcement', attrs: {} })
		if (g.restrict) content.push({ tag: 'locked', attrs: {} })
		if (g.ephemeral) content.push({ tag: 'ephemeral', attrs: { expiration: `${g.ephemeral}` } })
		return {
			tag: 'group',
			attrs: {
				id: g.id,
				subject: g.subject,
				s_t: `${g.subjectTime}`,
				s_o: subjectOwner.lid,
				s_o_pn: subjectOwner.pn,
				creation: `${g.creation}`,
				creator: creator.lid,
				creator_pn: creator.pn,
				addressing_mode: 'lid',
				size: `${g.participants.size}`
			},
			content
		}
	}

	view(g: GroupState): SimGroup {
		return {
			id: g.jid,
			subject: g.subject,
			...(g.description !== undefined ? { description: g.description } : {}),
			announce: g.announce,
			restrict: g.restrict,
			creator: pnJid(g.creator),
			creation: g.creation,
			participants: [...g.participants].map(([phone, admin]) => {
				const { pn, lid } = this.jidsOf(phone)
				return { jid: pn, lid, admin }
			}),
			inviteCode: g.inviteCode,
			ephemeral: g.ephemeral
		}
	}

	/** w:gp2 notification about a change by `actor`, to every member account (+ `alsoTo`, e.g. the removed). */
	notify(g: GroupState, actor: string, change: BinaryNode, alsoTo: string[] = []): void {
		const { pn, lid } = this.jidsOf(actor)
		const node: BinaryNode = {
			tag: 'notification',
			attrs: { from: g.jid, type: 'w:gp2', id: newMessageId(), t: unixTime(), participant: lid, participant_pn: pn, addressing_mode: 'lid' },
			content: [change]
		}
		const recipients = new Set([...this.memberAccounts(g), ...alsoTo.flatMap(p => this.hub.accounts.get(p) ?? [])])
		for (const account of recipients) this.hub.deliver(account, node)
		this.hub.onChange()
	}

	/**
	 * A member account sent a group message: SKDM copies are addressed per device in <participants>,
	 * the skmsg is for everyone, so every member contact decrypts (with its copy when it got one).
	 */
	deliverFromAccount(account: AccountState, node: BinaryNode): void {
		const g = this.get(node.attrs.to ?? '')
		const skmsg = childrenOf(node, 'enc').find(e => e.attrs.type === 'skmsg')
		if (!g || !skmsg) {
			this.hub.logger.warn({ to: node.attrs.to }, 'group message to an unknown group or without skmsg; dropped')
			return
		}
		// phone -> its 1:1 sender-key copy (contacts: device 0; accounts: their companion device)
		const copies = new Map<string, BinaryNode>()
		for (const to of childrenOf(getBinaryNodeChild(node, 'participants'), 'to')) {
			const jid = to.attrs.jid ?? ''
			const peer = this.hub.peerOf(jid)
			const enc = getBinaryNodeChild(to, 'enc')
			if (!peer || !enc) continue
			if (peer.kind === 'contact') copies.set(peer.contact.number, enc)
			else if (jidDecode(jid)?.device === peer.account.deviceId) copies.set(peer.account.phone, enc)
		}
		for (const phone of g.participants.keys()) {
			const contact = this.hub.contactsByNumber.get(phone)
			if (contact?.onWhatsApp) contact.receiveGroup(account, g.jid, node, copies.get(phone), skmsg)
			const member = this.hub.accounts.get(phone)
			if (member && member !== account) relayGroup(this.hub, account, member, g.jid, node, copies.get(phone), skmsg)
		}
	}
}
