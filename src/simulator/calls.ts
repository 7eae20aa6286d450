// Voice/video calls from simulated contacts to an account: the offer, then the caller hangs up or
// the ring times out (`terminate`), or the account rejects (`<call><reject/></call>`, which the
// server acks so Baileys' rejectCall resolves). Signalling only: no media, no relay.
import type { BinaryNode } from '@whiskeysockets/baileys'
import type { AccountState } from './accounts.js'
import type { ContactImpl } from './contact.js'
import type { Hub } from './hub.js'
import { firstChild, newMessageId, unixTime } from './util.js'

export type SimCallStatus = 'ringing' | 'rejected' | 'missed'

export interface SimCall {
	id: string
	/** the caller's number */
	from: string
	/** the called account's number */
	to: string
	video: boolean
	status: SimCallStatus
	startedAt: number
}

/** How long a call rings before it is missed (WhatsApp rings for about 45 s). */
export const DEFAULT_RING_MS = 45_000

type LiveCall = SimCall & { timer?: NodeJS.Timeout; caller: ContactImpl; account: AccountState }

export class CallRegistry {
	private readonly calls = new Map<string, LiveCall>()

	constructor(private readonly hub: Hub) {}

	list(filter: (c: SimCall) => boolean = () => true): SimCall[] {
		return [...this.calls.values()].map(view).filter(filter)
	}

	/** `contact` calls `account`: the offer now, a `terminate reason=timeout` after ringMs unless answered. */
	offer(contact: ContactImpl, account: AccountState, opts: { video?: boolean; ringMs?: number } = {}): SimCall {
		const id = newMessageId().slice(4, 20) // call ids are shorter hex strings
		const call: LiveCall = { id, from: contact.number, to: account.phone, video: !!opts.video, status: 'ringing', startedAt: Date.now(), caller: contact, account }
		this.calls.set(id, call)
		const creator = contact.addressJid
		const callerPn: Record<string, string> = contact.addressing === 'lid' && !contact.hidePhone ? { caller_pn: contact.jid } : {}
		this.send(call, { tag: 'offer', attrs: { 'call-id': id, 'call-creator': creator, ...callerPn }, ...(call.video ? { content: [{ tag: 'video', attrs: {} }] } : {}) })
		call.timer = setTimeout(() => this.end(id, 'missed'), opts.ringMs ?? DEFAULT_RING_MS)
		call.timer.unref()
		this.hub.events.emit('call', view(call))
		return view(call)
	}

	/** The caller hangs up (`terminate`); a ringing call becomes missed. */
	hangUp(id: string): void {
		this.end(id, 'missed', 'hangup')
	}

	/** `<call>` from the account's client: a reject of one of our calls. Always acked (Baileys' rejectCall waits for it). */
	onClientCall(account: AccountState, node: BinaryNode): void {
		const child = firstChild(node)
		const call = child ? this.calls.get(child.attrs['call-id'] ?? '') : undefined
		if (child?.tag === 'reject' && call && call.account === account && call.status === 'ringing') {
			clearTimeout(call.timer)
			call.status = 'rejected'
			this.hub.events.emit('call', view(call))
		}
		if (node.attrs.id && account.connection && !account.connection.closed) {
			account.connection.send({ tag: 'ack', attrs: { id: node.attrs.id, class: 'call', from: node.attrs.to ?? '', ...(child ? { type: child.tag } : {}) } })
		}
	}

	private end(id: string, status: SimCallStatus, reason = 'timeout'): void {
		const call = this.calls.get(id)
		if (!call || call.status !== 'ringing') return
		clearTimeout(call.timer)
		call.status = status
		this.send(call, { tag: 'terminate', attrs: { 'call-id': id, 'call-creator': call.caller.addressJid, ...(reason === 'timeout' ? { reason } : {}) } })
		this.hub.events.emit('call', view(call))
	}

	private send(call: { caller: ContactImpl; account: AccountState }, child: BinaryNode): void {
		// call signalling is not queued for offline devices
		const conn = call.account.connection
		if (!conn || conn.closed) return
		conn.send({ tag: 'call', attrs: { from: call.caller.addressJid, id: newMessageId(), t: unixTime(), notify: call.caller.name }, content: [child] })
	}

	stop(): void {
		for (const c of this.calls.values()) clearTimeout(c.timer)
	}
}

const view = (c: SimCall): SimCall => ({ id: c.id, from: c.from, to: c.to, video: c.video, status: c.status, startedAt: c.startedAt })
