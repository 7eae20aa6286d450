// `iq xmlns=w:g2` from a gateway account: create, metadata, participating, participants, settings, invites, leave.
import { getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys'
import { newInviteCode, type AdminRole, type GroupState } from './groups.js'
import type { Hub } from './hub.js'
import { childrenOf, contentString, firstChild, iqError, iqResult, newMessageId } from './util.js'

type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote'
const PARTICIPANT_ACTIONS = new Set<string>(['add', 'remove', 'promote', 'demote'])
const SETTINGS = new Set<string>(['announcement', 'not_announcement', 'locked', 'unlocked'])

/** `actor` is the phone of whoever acts: the account behind the companion, or a contact via the Simulator API. */
export function handleGroupIq(hub: Hub, actor: string, iq: BinaryNode): BinaryNode {
	const child = firstChild(iq)
	const to = iq.attrs.to ?? ''
	if (!child) return iqResult(iq)
	if (to === '@g.us' || to === 'g.us') return globalGroupIq(hub, actor, iq, child)
	const g = hub.groups.get(to)
	if (!g) return iqError(iq, 404, 'item-not-found')
	const role = g.participants.get(actor)
	const member = role !== undefined
	const isAdmin = role === 'admin' || role === 'superadmin'
	if (iq.attrs.type === 'get') {
		if (child.tag === 'query') return member ? iqResult(iq, [hub.groups.groupNode(g)]) : iqError(iq, 403, 'forbidden')
		if (child.tag === 'invite') return isAdmin ? iqResult(iq, [{ tag: 'invite', attrs: { code: g.inviteCode } }]) : iqError(iq, 401, 'not-authorized')
		if (child.tag === 'membership_approval_requests') return iqResult(iq, [{ tag: 'membership_approval_requests', attrs: {} }])
		return iqResult(iq)
	}
	if (!member) return iqError(iq, 403, 'forbidden')
	if (PARTICIPANT_ACTIONS.has(child.tag)) {
		if (!isAdmin) return iqError(iq, 403, 'forbidden')
		return participantsIq(hub, actor, iq, g, child.tag as ParticipantAction, child) // tag checked just above
	}
	if (child.tag === 'invite') {
		if (!isAdmin) return iqError(iq, 401, 'not-authorized')
		g.inviteCode = newInviteCode()
		hub.groups.notify(g, actor, { tag: 'invite', attrs: { code: g.inviteCode } })
		return iqResult(iq, [{ tag: 'invite', attrs: { code: g.inviteCode } }])
	}
	// with "locked" only admins edit the group info; settings are admin-only anyway
	if ((SETTINGS.has(child.tag) || (g.restrict && (child.tag === 'subject' || child.tag === 'description'))) && !isAdmin) {
		return iqError(iq, 403, 'forbidden')
	}
	const change = applySetting(g, actor, child)
	if (change) hub.groups.notify(g, actor, change)
	return iqResult(iq)
}

/** Subject, description, announce/lock, ephemeral. Returns the w:gp2 child to notify, if anything changed. */
function applySetting(g: GroupState, actor: string, child: BinaryNode): BinaryNode | undefined {
	const now = Math.floor(Date.now() / 1000)
	switch (child.tag) {
		case 'subject':
			g.subject = contentString(child) ?? ''
			g.subjectTime = now
			g.subjectOwner = actor
			return { tag: 'subject', attrs: { subject: g.subject, s_t: `${now}` } }
		case 'description': {
			const body = contentString(getBinaryNodeChild(child, 'body'))
			if (child.attrs.delete === 'true' || body === undefined) {
				g.description = undefined
				g.descId = undefined
				return { tag: 'description', attrs: { id: newMessageId(), delete: 'true' } }
			}
			g.description = body
			g.descId = child.attrs.id ?? newMessageId()
			g.descTime = now
			return { tag: 'description', attrs: { id: g.descId }, content: [{ tag: 'body', attrs: {}, content: Buffer.from(body) }] }
		}
		case 'announcement':
		case 'not_announcement':
			g.announce = child.tag === 'announcement'
			return { tag: child.tag, attrs: {} }
		case 'locked':
		case 'unlocked':
			g.restrict = child.tag === 'locked'
			return { tag: child.tag, attrs: {} }
		case 'ephemeral':
			g.ephemeral = Number(child.attrs.expiration ?? 0)
			return { tag: 'ephemeral', attrs: { expiration: `${g.ephemeral}` } }
		case 'not_ephemeral':
			g.ephemeral = 0
			return { tag: 'not_ephemeral', attrs: {} }
		default:
			return undefined // member_add_mode, membership_approval_mode, …: accepted, not modelled
	}
}

/**
 * add/remove/promote/demote: one <participant jid=requested [error=code]/> per request (Baileys reads
 * `error` as the per-participant status, 200 when absent). 409 = already a member, 404 = not on WhatsApp / not a member.
 */
function participantsIq(hub: Hub, actor: string, iq: BinaryNode, g: GroupState, action: ParticipantAction, child: BinaryNode): BinaryNode {
	const results: BinaryNode[] = []
	const changed: string[] = []
	for (const p of childrenOf(child, 'participant')) {
		const jid = p.attrs.jid ?? ''
		const peer = hub.peerOf(jid)
		const onWa = peer && (peer.kind === 'account' || peer.contact.onWhatsApp)
		const phone = peer ? hub.jidsOf(peer).pn.split('@')[0]! : undefined
		let error: string | undefined
		if (!onWa || !phone) error = '404'
		else if (action === 'add') {
			if (g.participants.has(phone)) error = '409'
			else g.participants.set(phone, null)
		} else if (!g.participants.has(phone)) error = '404'
		else if (action === 'remove') g.participants.delete(phone)
		else if (g.participants.get(phone) !== 'superadmin') g.participants.set(phone, action === 'promote' ? 'admin' : null)
		const extra = phone && !error ? hub.groups.participantNode(phone, g.participants.get(phone) ?? null).attrs : {}
		results.push({ tag: 'participant', attrs: { ...extra, jid, ...(error ? { error } : {}) } })
		if (!error && phone) changed.push(phone)
	}
	if (changed.length) {
		const change: BinaryNode = { tag: action, attrs: {}, content: changed.map(phone => hub.groups.participantNode(phone, roleAfter(g, phone))) }
		hub.groups.notify(g, actor, change, action === 'remove' ? changed : [])
	}
	return iqResult(iq, [{ tag: action, attrs: {}, content: results }])
}

const roleAfter = (g: GroupState, phone: string): AdminRole => g.participants.get(phone) ?? null

/** Iqs to `@g.us`: create, participating, invite lookups/joins, leave. */
function globalGroupIq(hub: Hub, actor: string, iq: BinaryNode, child: BinaryNode): BinaryNode {
	const groups = hub.groups
	switch (child.tag) {
		case 'create': {
			const members = childrenOf(child, 'participant').flatMap(p => {
				const peer = hub.peerOf(p.attrs.jid ?? '')
				// numbers not on WhatsApp are silently left out of the new group
				if (!peer || (peer.kind === 'contact' && !peer.contact.onWhatsApp)) return []
				return [hub.jidsOf(peer).pn.split('@')[0]!]
			})
			const g = groups.create(actor, child.attrs.subject ?? '', members)
			groups.notify(g, actor, { tag: 'create', attrs: { key: child.attrs.key ?? '' }, content: [groups.groupNode(g)] })
			return iqResult(iq, [groups.groupNode(g)])
		}
		case 'participating': {
			const mine = groups.all().filter(g => g.participants.has(actor))
			return iqResult(iq, [{ tag: 'groups', attrs: {}, content: mine.map(g => groups.groupNode(g)) }])
		}
		case 'invite': {
			const g = groups.byInvite(child.attrs.code ?? '')
			if (!g) return iqError(iq, 406, 'not-acceptable')
			if (iq.attrs.type === 'get') return iqResult(iq, [groups.groupNode(g)])
			if (!g.participants.has(actor)) {
				g.participants.set(actor, null)
				groups.notify(g, actor, { tag: 'add', attrs: { reason: 'invite' }, content: [groups.participantNode(actor, null)] })
			}
			return iqResult(iq, [{ tag: 'group', attrs: { jid: g.jid } }])
		}
		case 'leave': {
			const left: BinaryNode[] = []
			for (const ref of childrenOf(child, 'group')) {
				const g = groups.get(ref.attrs.id ?? '')
				if (!g || !g.participants.has(actor)) continue
				g.participants.delete(actor)
				groups.notify(g, actor, { tag: 'remove', attrs: {}, content: [groups.participantNode(actor, null)] }, [actor])
				left.push({ tag: 'group', attrs: { id: g.jid } })
			}
			return iqResult(iq, [{ tag: 'leave', attrs: {}, content: left }])
		}
		default:
			return iqResult(iq)
	}
}
