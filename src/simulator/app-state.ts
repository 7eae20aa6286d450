// App-state as the phone drives it: the phone shares an app-state sync key with the companion
// (APP_STATE_SYNC_KEY_SHARE, a peer message), then records chat changes (archive, pin, mark read,
// contact names…) as encrypted syncd patches per collection and tells the companion
// (`<notification type="server_sync">`); Baileys fetches them with `w:sync:app:state`.
// Patches are built with Baileys' own encoder, so MACs and LT-hashes are the real ones.
import { randomBytes } from 'node:crypto'
import {
	chatModificationToAppPatch,
	encodeSyncdPatch,
	getBinaryNodeChild,
	newLTHashState,
	proto,
	type BinaryNode,
	type ChatModification,
	type LTHashState
} from '@whiskeysockets/baileys'
import type { AccountState } from './accounts.js'
import type { Hub } from './hub.js'
import { childrenOf, iqResult, newMessageId, SERVER_JID, unixTime } from './util.js'

interface Collection {
	state: LTHashState
	/** patch i carries version i + 1 */
	patches: Buffer[]
}

interface AccountAppState {
	keyId: Buffer
	keyData: proto.Message.IAppStateSyncKeyData
	shared: boolean
	collections: Map<string, Collection>
}

export class AppStates {
	private readonly byPhone = new Map<string, AccountAppState>()

	constructor(private readonly hub: Hub) {}

	/** The phone changes chat `jid` (`mod` as in Baileys' chatModify); resolves with the collection's new version. */
	async change(account: AccountState, mod: ChatModification, jid: string): Promise<number> {
		const st = this.of(account)
		if (!st.shared) {
			await this.hub.phones.sendPeer(account, {
				protocolMessage: {
					type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
					appStateSyncKeyShare: { keys: [{ keyId: { keyId: st.keyId }, keyData: st.keyData }] }
				}
			})
			st.shared = true
		}
		const create = chatModificationToAppPatch(mod, jid)
		const col = st.collections.get(create.type) ?? { state: newLTHashState(), patches: [] }
		st.collections.set(create.type, col)
		const keyIdB64 = st.keyId.toString('base64')
		const { patch, state } = await encodeSyncdPatch(create, keyIdB64, col.state, async id => (id === keyIdB64 ? st.keyData : undefined))
		col.state = state
		col.patches.push(Buffer.from(proto.SyncdPatch.encode({ ...patch, version: { version: state.version } }).finish()))
		const conn = account.connection
		if (conn && !conn.closed) {
			conn.send({
				tag: 'notification',
				attrs: { from: SERVER_JID, type: 'server_sync', id: newMessageId(), t: unixTime() },
				content: [{ tag: 'collection', attrs: { name: create.type, version: `${state.version}` } }]
			})
		}
		return state.version
	}

	/** `iq w:sync:app:state`: the patches after each requested version; a collection without any is up to date. */
	answer(account: AccountState | undefined, iq: BinaryNode): BinaryNode {
		const st = account ? this.byPhone.get(account.phone) : undefined
		const collections = childrenOf(getBinaryNodeChild(iq, 'sync'), 'collection').map(c => {
			const name = c.attrs.name ?? ''
			const from = Number(c.attrs.version ?? '0') || 0
			const col = st?.collections.get(name)
			const patches = (col?.patches ?? []).slice(from)
			return {
				tag: 'collection',
				attrs: { name, version: `${col ? col.state.version : from}` },
				...(patches.length ? { content: [{ tag: 'patches', attrs: {}, content: patches.map(p => ({ tag: 'patch', attrs: {}, content: p })) }] } : {})
			}
		})
		return iqResult(iq, [{ tag: 'sync', attrs: {}, content: collections }], SERVER_JID)
	}

	private of(account: AccountState): AccountAppState {
		let st = this.byPhone.get(account.phone)
		if (!st) {
			st = {
				keyId: randomBytes(6),
				keyData: { keyData: randomBytes(32), fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] }, timestamp: Date.now() },
				shared: false,
				collections: new Map()
			}
			this.byPhone.set(account.phone, st)
		}
		return st
	}

	/** A new link starts from an empty app-state on the companion: share the key again, keep the patches. */
	onLink(account: AccountState): void {
		const st = this.byPhone.get(account.phone)
		if (st) st.shared = false
	}
}
