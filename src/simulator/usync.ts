// `iq xmlns=usync`: devices / lid / contact / status / disappearing_mode for simulated users.
import { getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys'
import type { Hub, Peer } from './hub.js'
import { childNodes, childrenOf, contentString, iqResult, SERVER_JID } from './util.js'

const onWhatsApp = (peer: Peer | undefined): peer is Peer =>
	!!peer && (peer.kind === 'account' ? true : peer.contact.onWhatsApp)

/** Device list: a contact's phone (0) and its linked devices; an account shows its linked companion (needs key-index). */
function devicesNode(peer: Peer | undefined): BinaryNode {
	const devices: BinaryNode[] = []
	if (onWhatsApp(peer)) {
		if (peer.kind === 'contact') {
			// non-zero devices need a key-index (Baileys' extractDeviceJids drops them otherwise)
			for (const id of peer.contact.deviceIds()) devices.push({ tag: 'device', attrs: id ? { id: `${id}`, 'key-index': `${id}` } : { id: '0' } })
		}
		else if (peer.account.deviceId !== undefined) {
			devices.push({ tag: 'device', attrs: { id: `${peer.account.deviceId}`, 'key-index': `${peer.account.deviceId}` } })
		}
	}
	return { tag: 'devices', attrs: {}, content: [{ tag: 'device-list', attrs: {}, content: devices }] }
}

function userNode(hub: Hub, requested: BinaryNode, protocols: string[]): BinaryNode {
	// phone lookups (onWhatsApp) carry <contact>+123…</contact> instead of a jid
	const phone = contentString(getBinaryNodeChild(requested, 'contact'))
	const jid = requested.attrs.jid ?? `${(phone ?? '').replace(/[^0-9]/g, '')}@${SERVER_JID}`
	const peer = hub.peerOf(jid)
	const isPn = jid.endsWith(`@${SERVER_JID}`)
	const content: BinaryNode[] = []
	for (const protocol of protocols) {
		if (protocol === 'devices') content.push(devicesNode(peer))
		else if (protocol === 'lid' && isPn && onWhatsApp(peer)) content.push({ tag: 'lid', attrs: { val: hub.jidsOf(peer).lid } })
		else if (protocol === 'contact') content.push({ tag: 'contact', attrs: { type: onWhatsApp(peer) ? 'in' : 'out' } })
		else if (protocol === 'status' && onWhatsApp(peer)) {
			content.push({ tag: 'status', attrs: { t: '1700000000' }, content: Buffer.from('Hey there! I am using WhatsApp.') })
		} else if (protocol === 'disappearing_mode' && onWhatsApp(peer)) {
			content.push({ tag: 'disappearing_mode', attrs: { duration: '0', t: '0' } })
		}
	}
	return { tag: 'user', attrs: { jid: jid.replace(/:\d+@/, '@') }, content }
}

export function answerUsync(hub: Hub, iq: BinaryNode): BinaryNode {
	const usync = getBinaryNodeChild(iq, 'usync')
	const protocols = childNodes(getBinaryNodeChild(usync, 'query')).map(n => n.tag)
	const users = childrenOf(getBinaryNodeChild(usync, 'list'), 'user').map(u => userNode(hub, u, protocols))
	return iqResult(
		iq,
		[
			{
				tag: 'usync',
				attrs: { sid: usync?.attrs.sid ?? '', index: '0', last: 'true', mode: usync?.attrs.mode ?? 'query', context: usync?.attrs.context ?? 'interactive' },
				content: [{ tag: 'list', attrs: {}, content: users }]
			}
		],
		SERVER_JID
	)
}
