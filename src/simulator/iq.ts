// `<iq>` handlers. Rule: every iq gets an answer — an unanswered query makes Baileys wait defaultQueryTimeoutMs (60 s).
import { getBinaryNodeChild, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import type { AccountState } from './accounts.js'
import type { SimConnection } from './connection.js'
import { handleGroupIq } from './group-iq.js'
import type { Hub } from './hub.js'
import { isPairDeviceSign } from './pairing.js'
import { applyRotate, applyUpload } from './prekeys.js'
import { answerUsync } from './usync.js'
import { childrenOf, firstChild, iqError, iqResult, SERVER_JID } from './util.js'

export async function handleIq(hub: Hub, conn: SimConnection, iq: BinaryNode): Promise<void> {
	const type = iq.attrs.type
	if (type === 'result' || type === 'error') {
		// answers to our pair-device / pair-success pushes; only the signed device identity matters
		if (isPairDeviceSign(iq)) hub.pairing.onPairDeviceSign(conn)
		return
	}
	const account = conn.phone ? hub.accounts.get(conn.phone) : undefined
	const child = firstChild(iq)
	switch (iq.attrs.xmlns) {
		case 'md':
			return handleMd(hub, conn, account, iq, child)
		case 'encrypt':
			return conn.send(await handleEncrypt(hub, account, iq, child))
		case 'usync':
			return conn.send(answerUsync(hub, iq))
		case 'w:g2':
			return conn.send(account ? handleGroupIq(hub, account.phone, iq) : iqError(iq, 401, 'not-authorized'))
		case 'w:m':
			if (child?.tag === 'media_conn') return conn.send(mediaConn(hub, iq))
			break
		case 'w:profile:picture':
			if (type === 'get') return conn.send(profilePicture(hub, iq))
			break
		case 'abt':
			return conn.send(iqResult(iq, [{ tag: 'props', attrs: { protocol: '1', hash: 'sim-props-1' }, content: [] }], SERVER_JID))
		case 'blocklist':
			return conn.send(iqResult(iq, [{ tag: 'list', attrs: {} }], SERVER_JID))
		case 'w:sync:app:state':
			return conn.send(hub.appState.answer(account, iq))
		case 'privacy':
			if (type === 'get' && child?.tag === 'privacy') return conn.send(privacySettings(iq))
			break
	}
	if (iq.attrs.xmlns === 'w:p') conn.pings++
	// passive, w:p ping, w:stats, tctoken privacy set, status, w:sync:app:state, … : a plain result is enough
	conn.send(iqResult(iq, undefined, SERVER_JID))
}

function handleMd(hub: Hub, conn: SimConnection, account: AccountState | undefined, iq: BinaryNode, child: BinaryNode | undefined): void {
	if (child?.tag === 'link_code_companion_reg') {
		if (child.attrs.stage === 'companion_hello') return hub.pairing.onCompanionHello(conn, iq, child)
		if (child.attrs.stage === 'companion_finish') return hub.pairing.onCompanionFinish(conn, iq, child)
	}
	conn.send(iqResult(iq, undefined, SERVER_JID))
	if (child?.tag === 'remove-companion-device' && account) {
		// sock.logout(): the companion unlinks itself and closes on its own
		hub.unlink(account, false)
		hub.events.emit('account-logged-out', account.phone)
	}
}

async function handleEncrypt(hub: Hub, account: AccountState | undefined, iq: BinaryNode, child: BinaryNode | undefined): Promise<BinaryNode> {
	if (iq.attrs.type === 'set') {
		if (account && getBinaryNodeChild(iq, 'list')) {
			// the companion's pre-key upload: peers build sessions from it (contacts' pkmsg, group self-fetch)
			account.bundle = applyUpload(account.bundle, iq)
			account.lowPreKeysNotified = false
			hub.onChange()
			hub.onBundleUploaded(account)
		} else if (account?.bundle && child?.tag === 'rotate') {
			account.bundle = applyRotate(account.bundle, iq)
			hub.onChange()
		}
		return iqResult(iq, undefined, SERVER_JID)
	}
	if (child?.tag === 'count') {
		return iqResult(iq, [{ tag: 'count', attrs: { value: `${account?.bundle?.preKeys.length ?? 0}` } }], SERVER_JID)
	}
	// without a <digest> child Baileys re-uploads its pre-keys on every login
	if (child?.tag === 'digest') return iqResult(iq, [{ tag: 'digest', attrs: {} }], SERVER_JID)
	if (child?.tag === 'key') return iqResult(iq, [{ tag: 'list', attrs: {}, content: await keyFetch(hub, child) }], SERVER_JID)
	return iqResult(iq, undefined, SERVER_JID)
}

/**
 * Bundles for the requested device jids. Unknown devices are left out: an <error> entry would make
 * Baileys' parseAndInjectE2ESessions reject the whole batch (and sendMessage throw).
 */
async function keyFetch(hub: Hub, keyNode: BinaryNode): Promise<BinaryNode[]> {
	const out: BinaryNode[] = []
	for (const user of childrenOf(keyNode, 'user')) {
		const jid = user.attrs.jid ?? ''
		const device = jidDecode(jid)?.device ?? 0
		const peer = hub.peerOf(jid)
		if (peer?.kind === 'contact' && peer.contact.onWhatsApp) {
			const node = await peer.contact.takeKeyNode(jid, device)
			if (node) out.push(node)
		} else if (peer?.kind === 'account' && device === peer.account.deviceId) {
			// includes the sender's OWN companion: Baileys fetches it for LID groups (extractDeviceJids quirk)
			const node = hub.takeAccountKeyNode(peer.account, jid)
			if (node) out.push(node)
		}
	}
	return out
}

function mediaConn(hub: Hub, iq: BinaryNode): BinaryNode {
	return iqResult(
		iq,
		[
			{
				tag: 'media_conn',
				attrs: { auth: hub.media.auth, ttl: '3600', auth_ttl: '3600', max_buckets: '1' },
				content: [{ tag: 'host', attrs: { hostname: hub.media.host, maxContentLengthBytes: '104857600' } }]
			}
		],
		SERVER_JID
	)
}

/** Known users and groups get a picture on the media host; anyone else is item-not-found (like no picture). */
function profilePicture(hub: Hub, iq: BinaryNode): BinaryNode {
	const target = iq.attrs.target ?? ''
	const known = target.endsWith('@g.us') ? !!hub.groups.get(target) : !!hub.peerOf(target)
	if (!known) return iqError(iq, 404, 'item-not-found')
	const type = getBinaryNodeChild(iq, 'picture')?.attrs.type ?? 'preview'
	return iqResult(
		iq,
		[{ tag: 'picture', attrs: { id: '1700000000', type, url: hub.media.profilePictureUrl(target), direct_path: `/pp/${encodeURIComponent(target)}.jpg` } }],
		SERVER_JID
	)
}

function privacySettings(iq: BinaryNode): BinaryNode {
	const categories: [string, string][] = [
		['last', 'all'],
		['online', 'all'],
		['profile', 'all'],
		['status', 'all'],
		['groupadd', 'all'],
		['readreceipts', 'all'],
		['calladd', 'all'],
		['messages', 'all']
	]
	return iqResult(
		iq,
		[{ tag: 'privacy', attrs: {}, content: categories.map(([name, value]) => ({ tag: 'category', attrs: { name, value } })) }],
		SERVER_JID
	)
}
