// The simulated network: websocket server, registries (accounts, contacts, groups), login and delivery.
import type { EventEmitter } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { BinaryNode, proto } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'
import { AccountRegistry, accountView, lidJid, pnJid, type AccountState } from './accounts.js'
import { SimConnection } from './connection.js'
import type { ContactImpl } from './contact.js'
import { GroupRegistry } from './groups.js'
import { MediaClient } from './media-crypto.js'
import type { MediaHost } from './media-host.js'
import type { TrustChain } from './noise.js'
import { PairingManager } from './pairing.js'
import { PhoneDevices } from './phone.js'
import { CallRegistry } from './calls.js'
import { MediaRetry } from './media-retry.js'
import { AppStates } from './app-state.js'
import { takeUserKeyNode } from './prekeys.js'
import { routeNode } from './router.js'
import { SERVER_JID, unixTime } from './util.js'

/** Baileys re-uploads when told fewer than MIN_PREKEY_COUNT (5) are left */
const LOW_PREKEYS = 5

/** Who a jid (PN or LID, any device) belongs to in the simulated network. */
export type Peer = { kind: 'contact'; contact: ContactImpl } | { kind: 'account'; account: AccountState }

export class Hub {
	readonly accounts: AccountRegistry
	readonly contactsByNumber = new Map<string, ContactImpl>()
	readonly contactsByLid = new Map<string, ContactImpl>()
	readonly groups: GroupRegistry
	readonly pairing: PairingManager
	readonly mediaClient: MediaClient
	/** the accounts' own phones (device 0) */
	readonly phones: PhoneDevices
	readonly calls: CallRegistry
	readonly mediaRetry: MediaRetry
	readonly appState: AppStates
	refuseConnections = false
	/** simulated latency before contacts' receipts (ms) */
	latencyMs = 50
	/** called after state changes worth persisting (set by the persistence layer) */
	onChange: () => void = () => undefined
	private wss?: WebSocketServer
	private readonly connections = new Set<SimConnection>()

	constructor(
		readonly logger: Logger,
		readonly trust: TrustChain,
		readonly media: MediaHost,
		/** the public Simulator: emits 'contact-message' and friends */
		readonly events: EventEmitter
	) {
		this.accounts = new AccountRegistry(user => this.isTaken(user))
		this.groups = new GroupRegistry(this)
		this.pairing = new PairingManager(this)
		this.phones = new PhoneDevices(this)
		this.calls = new CallRegistry(this)
		this.mediaRetry = new MediaRetry(this)
		this.appState = new AppStates(this)
		this.mediaClient = new MediaClient(media.caPem, () => media.host, () => media.auth)
	}

	async listen(host: string, port: number): Promise<number> {
		const wss = new WebSocketServer({ host, port })
		await new Promise<void>((resolve, reject) => {
			wss.once('listening', resolve)
			wss.once('error', reject)
		})
		wss.on('connection', ws => {
			if (this.refuseConnections) {
				ws.terminate()
				return
			}
			const conn = new SimConnection(
				ws,
				this.trust,
				{
					onPayload: (c, payload) => this.onPayload(c, payload),
					onNode: (c, node) => routeNode(this, c, node),
					onClose: c => this.onClose(c)
				},
				this.logger
			)
			this.connections.add(conn)
		})
		this.wss = wss
		return (wss.address() as AddressInfo).port // bound to TCP: always an AddressInfo
	}

	async close(): Promise<void> {
		this.calls.stop()
		for (const conn of this.connections) conn.drop()
		await this.mediaClient.close()
		const wss = this.wss
		if (wss) await new Promise<void>(resolve => wss.close(() => resolve()))
	}

	isTaken(user: string): boolean {
		return !!(this.accounts.get(user) || this.accounts.byLid(user) || this.contactsByNumber.has(user) || this.contactsByLid.has(user))
	}

	/** Resolve a PN or LID jid (device suffix ignored) to a simulated account or contact. */
	peerOf(jid: string): Peer | undefined {
		const [userDevice = '', server = ''] = jid.split('@')
		const user = userDevice.split(':')[0]!
		if (server === 'lid') {
			const account = this.accounts.byLid(user)
			if (account) return { kind: 'account', account }
			const contact = this.contactsByLid.get(user)
			return contact ? { kind: 'contact', contact } : undefined
		}
		if (server !== SERVER_JID) return undefined
		const account = this.accounts.get(user)
		if (account) return { kind: 'account', account }
		const contact = this.contactsByNumber.get(user)
		return contact ? { kind: 'contact', contact } : undefined
	}

	/** Send to the account's companion now, or keep it for the next login (offline delivery). */
	deliver(account: AccountState, node: BinaryNode): void {
		const conn = account.connection
		if (conn && !conn.closed) conn.send(node)
		else if (account.deviceId !== undefined) account.offline.push(node)
	}

	/**
	 * Deliver after the simulated network latency. Used for receipts: one arriving within the same
	 * millisecond as the send is merged by Baileys' event buffer into the 'append' upsert instead of
	 * showing up as a messages.update.
	 */
	deliverAfterLatency(account: AccountState, node: BinaryNode, then?: () => void): void {
		const go = (): void => {
			this.deliver(account, node)
			then?.()
		}
		if (this.latencyMs > 0) setTimeout(go, this.latencyMs)
		else go()
	}

	private onPayload(conn: SimConnection, payload: proto.ClientPayload): void {
		if (payload.devicePairingData) {
			this.pairing.onRegistration(conn)
			return
		}
		this.login(conn, `${payload.username ?? ''}`, payload.device ?? 0)
	}

	/** Login payload: accept only the linked device with the noise key it registered with. */
	private login(conn: SimConnection, phone: string, device: number): void {
		const account = this.accounts.get(phone)
		const ok = account && account.deviceId === device && account.noiseKey && conn.clientStatic?.equals(account.noiseKey)
		if (!account || !ok) {
			this.logger.info({ phone, device }, 'login refused: device not linked')
			// Baileys: CB:failure -> statusCode = reason -> 401 loggedOut
			conn.sendTerminal({ tag: 'failure', attrs: { reason: '401', location: 'sim' } })
			return
		}
		const previous = account.connection
		if (previous && !previous.closed) {
			// same companion connecting twice: the older socket gets "replaced" (Baileys: 440)
			previous.phone = undefined
			previous.sendTerminal({ tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] })
		}
		account.connection = conn
		conn.phone = phone
		conn.send({
			tag: 'success',
			attrs: { t: unixTime(), lid: `${account.lid}:${device}@lid`, props: '1', abprops: '1', location: 'sim', creation: '1700000000' }
		})
		const pending = account.offline
		account.offline = []
		for (const node of pending) conn.send(node)
		// a logged-in Baileys socket buffers events until this arrives
		conn.send({ tag: 'ib', attrs: { from: SERVER_JID }, content: [{ tag: 'offline', attrs: { count: `${pending.length}` } }] })
		this.events.emit('account-connected', accountView(account))
	}

	private onClose(conn: SimConnection): void {
		this.connections.delete(conn)
		this.pairing.forget(conn)
		const account = conn.phone ? this.accounts.get(conn.phone) : undefined
		if (account && account.connection === conn) {
			account.connection = undefined
			this.events.emit('account-disconnected', accountView(account))
		}
	}

	/** The phone unlinks the companion: 401 device_removed on the live socket, future logins refused. */
	unlink(account: AccountState, notifyClient: boolean): void {
		account.deviceId = undefined
		account.noiseKey = undefined
		account.bundle = undefined
		account.offline = []
		const conn = account.connection
		if (conn && !conn.closed && notifyClient) {
			// Baileys: stream:error code=401 -> DisconnectReason.loggedOut
			conn.sendTerminal({ tag: 'stream:error', attrs: { code: '401' }, content: [{ tag: 'conflict', attrs: { type: 'device_removed' } }] })
		}
		this.onChange()
	}

	/** The companion uploaded its pre-keys after a new link: the phone can now push the history it owes it. */
	onBundleUploaded(account: AccountState): void {
		const spec = account.history
		if (!spec) return
		account.history = undefined
		this.phones
			.pushHistory(account, spec)
			.catch((err: unknown) => this.logger.warn({ err, phone: account.phone }, 'history push failed'))
	}

	/**
	 * Key-fetch entry for the account's companion (one one-time pre-key consumed). When few are left,
	 * tell the companion like the server does (`<notification type=encrypt><count/>`): Baileys re-uploads.
	 */
	takeAccountKeyNode(account: AccountState, jid: string): BinaryNode | undefined {
		if (!account.bundle) return undefined
		const node = takeUserKeyNode(jid, account.bundle)
		const left = account.bundle.preKeys.length
		if (left < LOW_PREKEYS && !account.lowPreKeysNotified && account.connection && !account.connection.closed) {
			account.lowPreKeysNotified = true
			account.connection.send({
				tag: 'notification',
				// Baileys' handleEncryptNotification compares `from` with S_WHATSAPP_NET, which is '@s.whatsapp.net'
				attrs: { from: `@${SERVER_JID}`, type: 'encrypt', id: `prekey-low-${account.phone}-${left}`, t: unixTime() },
				content: [{ tag: 'count', attrs: { value: `${left}` } }]
			})
		}
		return node
	}

	/** PN and LID jids of any simulated user (contact or account), for group and usync answers. */
	jidsOf(peer: Peer): { pn: string; lid: string } {
		return peer.kind === 'contact'
			? { pn: peer.contact.jid, lid: peer.contact.lid }
			: { pn: pnJid(peer.account.phone), lid: lidJid(peer.account.lid) }
	}
}
