// Dispatch of nodes coming from a companion: iqs, outgoing messages (fan-out to contacts), receipts.
import { getBinaryNodeChild, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { pnJid, type AccountState } from './accounts.js'
import type { SimConnection } from './connection.js'
import type { Hub } from './hub.js'
import { handleIq } from './iq.js'
import { relayDirect, relayReceipt } from './relay.js'
import { childrenOf, iqError, unixTime } from './util.js'

export function routeNode(hub: Hub, conn: SimConnection, node: BinaryNode): void {
	switch (node.tag) {
		case 'iq':
			handleIq(hub, conn, node).catch((err: unknown) => {
				hub.logger.warn({ err, xmlns: node.attrs.xmlns }, 'iq handler failed; answering 500')
				conn.send(iqError(node, 500, 'internal-server-error'))
			})
			return
		case 'message':
			return onAccountMessage(hub, conn, node)
		case 'receipt':
			return onAccountReceipt(hub, conn, node)
		case 'call': {
			const account = conn.phone ? hub.accounts.get(conn.phone) : undefined
			if (account) hub.calls.onClientCall(account, node)
			return
		}
		default:
			// ack, presence, chatstate, ib (unified_session)…: nothing to answer
			hub.logger.trace({ tag: node.tag, attrs: node.attrs }, 'ignored client node')
	}
}

/** The account sends a message: server ack first, then every addressed simulated device decrypts its copy. */
function onAccountMessage(hub: Hub, conn: SimConnection, node: BinaryNode): void {
	const to = node.attrs.to ?? ''
	conn.send({ tag: 'ack', attrs: { class: 'message', id: node.attrs.id ?? '', from: to, t: unixTime() } })
	const account = conn.phone ? hub.accounts.get(conn.phone) : undefined
	if (!account || node.attrs.category === 'peer' || to === 'status@broadcast') return
	if (to.endsWith('@g.us')) {
		hub.groups.deliverFromAccount(account, node)
		return
	}
	const targets: [string, BinaryNode][] = childrenOf(getBinaryNodeChild(node, 'participants'), 'to').flatMap(p => {
		const enc = getBinaryNodeChild(p, 'enc')
		return enc ? [[p.attrs.jid ?? '', enc] as [string, BinaryNode]] : []
	})
	// a retry re-send addresses one device directly with a bare <enc>
	const bare = getBinaryNodeChild(node, 'enc')
	if (bare) targets.push([to, bare])
	for (const [jid, enc] of targets) deliverDirect(hub, account, node, jid, enc)
}

function deliverDirect(hub: Hub, account: AccountState, node: BinaryNode, jid: string, enc: BinaryNode): void {
	const peer = hub.peerOf(jid)
	if (peer?.kind === 'contact') {
		if (peer.contact.onWhatsApp) peer.contact.receiveDirect(account, node, enc, undefined, jidDecode(jid)?.device ?? 0)
	} else if (peer?.kind === 'account' && peer.account !== account && jidDecode(jid)?.device === peer.account.deviceId) {
		relayDirect(hub, account, peer.account, node, enc)
	}
	// own devices (the phone / this companion): nothing simulated behind them
}

/** Delivery/read receipts the account sends for messages it got from contacts (or relayed from accounts). */
function onAccountReceipt(hub: Hub, conn: SimConnection, node: BinaryNode): void {
	const account = conn.phone ? hub.accounts.get(conn.phone) : undefined
	if (!account) return
	// updateMediaMessage: the companion asks its own phone to upload expired media again
	if (node.attrs.type === 'server-error') return hub.mediaRetry.onRequest(account, node)
	const sender = node.attrs.to?.endsWith('@g.us') ? node.attrs.participant : node.attrs.to
	const peer = sender ? hub.peerOf(sender) : undefined
	if (peer?.kind === 'account' && peer.account !== account) return relayReceipt(hub, account, peer.account, node)
	if (peer?.kind !== 'contact') return
	const ids = [node.attrs.id ?? '', ...childrenOf(getBinaryNodeChild(node, 'list'), 'item').map(i => i.attrs.id ?? '')]
	for (const id of ids) {
		peer.contact.recordReceipt({ id, type: node.attrs.type ?? '', from: pnJid(account.phone), receivedAt: Date.now() })
	}
}
