// Account -> account traffic: the server re-addresses what one companion encrypted for another companion.
// The sender's device is part of `from`/`participant`: Signal sessions and sender keys are per device.
import { getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys'
import { pnJid, type AccountState } from './accounts.js'
import type { Hub } from './hub.js'
import { childNodes, SERVER_JID, unixTime } from './util.js'

const devicePn = (a: AccountState): string => `${a.phone}:${a.deviceId ?? 0}@${SERVER_JID}`
const deviceLid = (a: AccountState): string => `${a.lid}:${a.deviceId ?? 0}@lid`

/** copy of the sender's <device-identity> (sent with pkmsg), if any */
const identityOf = (stanza: BinaryNode): BinaryNode[] => {
	const di = getBinaryNodeChild(stanza, 'device-identity')
	return di ? [di] : []
}

export function relayDirect(hub: Hub, from: AccountState, to: AccountState, stanza: BinaryNode, enc: BinaryNode): void {
	if (to.deviceId === undefined) return
	hub.deliver(to, {
		tag: 'message',
		attrs: {
			from: devicePn(from),
			sender_lid: deviceLid(from),
			id: stanza.attrs.id ?? '',
			t: unixTime(),
			type: stanza.attrs.type ?? 'text'
		},
		content: [enc, ...identityOf(stanza)]
	})
}

export function relayGroup(hub: Hub, from: AccountState, to: AccountState, groupJid: string, stanza: BinaryNode, enc: BinaryNode | undefined, skmsg: BinaryNode): void {
	if (to.deviceId === undefined) return
	hub.deliver(to, {
		tag: 'message',
		attrs: {
			from: groupJid,
			participant: deviceLid(from),
			participant_pn: devicePn(from),
			addressing_mode: 'lid',
			id: stanza.attrs.id ?? '',
			t: unixTime(),
			type: stanza.attrs.type ?? 'text'
		},
		// the 1:1 sender-key copy must come before the skmsg
		content: [...(enc ? [enc] : []), skmsg, ...identityOf(stanza)]
	})
}

/** A receipt account `from` sent about a message of account `to` (1:1 or group). */
export function relayReceipt(hub: Hub, from: AccountState, to: AccountState, receipt: BinaryNode): void {
	const group = receipt.attrs.to?.endsWith('@g.us') ? receipt.attrs.to : undefined
	hub.deliver(to, {
		tag: 'receipt',
		attrs: {
			from: group ?? pnJid(from.phone),
			...(group ? { participant: `${from.lid}@lid` } : {}),
			id: receipt.attrs.id ?? '',
			t: unixTime(),
			...(receipt.attrs.type ? { type: receipt.attrs.type } : {})
		},
		...(childNodes(receipt).length ? { content: childNodes(receipt).filter(n => n.tag === 'list') } : {})
	})
}
