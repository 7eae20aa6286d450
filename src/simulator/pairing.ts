// Linking a companion (the gateway's Baileys socket) to a simulated phone: QR refs + scan, pairing code, 515 restart.
import { randomBytes } from 'node:crypto'
import { getBinaryNodeChild, getBinaryNodeChildBuffer, type BinaryNode } from '@whiskeysockets/baileys'
import { buildPairSuccess, type AccountState } from './accounts.js'
import type { SimConnection } from './connection.js'
import { DEFAULT_HISTORY, type HistorySpec } from './history.js'
import type { Hub } from './hub.js'
import { finishCodePairing, makePrimaryHello, type PrimaryHello } from './pairing-code.js'
import { deferred, iqResult, SERVER_JID, unixTime, withTimeout, type Deferred } from './util.js'

/** Baileys shows one QR per ref (60 s for the first, 20 s for the next ones). */
const REFS_PER_REGISTRATION = 6
const LINK_TIMEOUT_MS = 15000

interface PendingLink {
	account: AccountState
	deviceId: number
	/** what the phone pushes after the first login (undefined: nothing) */
	history?: HistorySpec
	done: Deferred<void>
}

interface CompanionHello {
	conn: SimConnection
	phone: string
	wrappedEphemeral: Buffer
	ref: Buffer
}

export class PairingManager {
	private readonly refs = new Map<string, SimConnection>()
	private readonly refsByConn = new Map<SimConnection, string[]>()
	private readonly pending = new Map<SimConnection, PendingLink>()
	private readonly hellos = new Map<string, CompanionHello>()
	private readonly helloWaiters = new Map<string, Deferred<CompanionHello>[]>()
	private readonly codeStates = new Map<SimConnection, { account: AccountState; hello: PrimaryHello; done: Deferred<void>; history?: HistorySpec }>()

	constructor(private readonly hub: Hub) {}

	/** Registration payload (no creds.me yet): hand out QR refs. */
	onRegistration(conn: SimConnection): void {
		const refs = Array.from({ length: REFS_PER_REGISTRATION }, () => `sim-ref-${conn.id}-${randomBytes(12).toString('base64url')}`)
		for (const ref of refs) this.refs.set(ref, conn)
		this.refsByConn.set(conn, refs)
		conn.send({
			tag: 'iq',
			attrs: { from: SERVER_JID, type: 'set', id: `pair-device-${conn.id}` },
			content: [{ tag: 'pair-device', attrs: {}, content: refs.map(r => ({ tag: 'ref', attrs: {}, content: Buffer.from(r) })) }]
		})
	}

	/** A phone scans the QR string Baileys emitted. Resolves once the companion signed (pair-device-sign). */
	async scanQr(qr: string, phone?: string, history: HistorySpec | false = DEFAULT_HISTORY): Promise<{ phone: string }> {
		const data = qr.includes('#') ? qr.slice(qr.indexOf('#') + 1) : qr
		const [ref = '', noiseB64 = '', identityB64 = '', advB64 = ''] = data.split(',')
		const conn = this.refs.get(ref)
		if (!conn || conn.closed) throw new Error(`scanQr: QR ref ${JSON.stringify(ref)} is unknown or its connection is gone`)
		if (conn.clientStatic && conn.clientStatic.toString('base64') !== noiseB64) {
			throw new Error('scanQr: the QR noise key does not match the connection that received the ref')
		}
		const account = this.hub.accounts.ensure(phone ?? this.hub.accounts.freshPhone())
		await this.sendPairSuccess(conn, account, Buffer.from(identityB64, 'base64'), Buffer.from(advB64, 'base64'), history || undefined)
		return { phone: account.phone }
	}

	/** iq md companion_hello: the companion asked for a pairing code for `jid`. */
	onCompanionHello(conn: SimConnection, iq: BinaryNode, reg: BinaryNode): void {
		const phone = (reg.attrs.jid ?? '').split('@')[0]!.split(':')[0]!
		const wrapped = getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub')
		const ref = Buffer.from(`sim-lc-${randomBytes(8).toString('hex')}`)
		// requestPairingCode uses sendNode (no wait), but answer like the server does
		conn.send(iqResult(iq, [{ tag: 'link_code_companion_reg', attrs: {}, content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: ref }] }]))
		if (!wrapped) return
		const hello: CompanionHello = { conn, phone, wrappedEphemeral: Buffer.from(wrapped), ref }
		this.hellos.set(phone, hello)
		for (const w of this.helloWaiters.get(phone) ?? []) w.resolve(hello)
		this.helloWaiters.delete(phone)
	}

	/**
	 * The phone of `phone` types `code`. requestPairingCode resolves before the server has seen
	 * companion_hello, so wait for it first.
	 */
	async enterPairingCode(phone: string, code: string, timeoutMs = 10000, history: HistorySpec | false = DEFAULT_HISTORY): Promise<void> {
		const hello = await withTimeout(this.waitForHello(phone), timeoutMs, `enterPairingCode: no companion_hello for ${phone} within ${timeoutMs} ms`)
		this.hellos.delete(phone)
		const account = this.hub.accounts.ensure(phone)
		const primary = await makePrimaryHello(code.replace(/[^0-9A-Za-z]/g, '').toUpperCase(), hello.wrappedEphemeral)
		const done = deferred<void>()
		this.codeStates.set(hello.conn, { account, hello: primary, done, history: history || undefined })
		hello.conn.send({
			tag: 'notification',
			attrs: { from: SERVER_JID, type: 'link_code_companion_reg', id: `lc-${hello.conn.id}`, t: unixTime() },
			content: [
				{
					tag: 'link_code_companion_reg',
					attrs: { stage: 'primary_hello' },
					content: [
						{ tag: 'link_code_pairing_ref', attrs: {}, content: hello.ref },
						{ tag: 'primary_identity_pub', attrs: {}, content: account.accountKey.public },
						{ tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: primary.wrappedPrimaryEphemeral }
					]
				}
			]
		})
		await withTimeout(done.promise, LINK_TIMEOUT_MS, `enterPairingCode: ${phone} did not finish linking within ${LINK_TIMEOUT_MS} ms`)
	}

	/** iq md companion_finish: decrypt the key bundle with the code-derived secret, then pair-success. */
	onCompanionFinish(conn: SimConnection, iq: BinaryNode, reg: BinaryNode): void {
		conn.send(iqResult(iq)) // Baileys awaits this query
		const state = this.codeStates.get(conn)
		if (!state) return
		this.codeStates.delete(conn)
		try {
			const bundle = Buffer.from(getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_key_bundle') ?? [])
			const identity = Buffer.from(getBinaryNodeChildBuffer(reg, 'companion_identity_public') ?? [])
			const { advSecret, clientIdentity } = finishCodePairing(state.hello, state.account.accountKey, bundle, identity)
			this.sendPairSuccess(conn, state.account, clientIdentity, advSecret, state.history).then(state.done.resolve, state.done.reject)
		} catch (err) {
			state.done.reject(new Error(`enterPairingCode: wrong code or bad key bundle (${(err as Error).message})`))
		}
	}

	/** iq result <pair-device-sign>: the companion accepted; restart it with 515 so it logs in. */
	onPairDeviceSign(conn: SimConnection): void {
		const link = this.pending.get(conn)
		if (!link) return
		this.pending.delete(conn)
		this.dropRefs(conn)
		const { account, deviceId } = link
		account.history = link.history
		this.hub.appState.onLink(account) // the new companion has no app-state key yet
		const old = account.connection
		if (old && !old.closed && account.deviceId !== undefined) this.hub.unlink(account, true)
		account.deviceId = deviceId
		account.noiseKey = conn.clientStatic
		account.bundle = undefined
		account.offline = []
		conn.sendTerminal({ tag: 'stream:error', attrs: { code: '515' } })
		this.hub.onChange()
		link.done.resolve()
	}

	forget(conn: SimConnection): void {
		this.dropRefs(conn)
		this.pending.get(conn)?.done.reject(new Error('companion connection closed before pairing completed'))
		this.pending.delete(conn)
		this.codeStates.get(conn)?.done.reject(new Error('companion connection closed before code pairing completed'))
		this.codeStates.delete(conn)
		for (const [phone, hello] of this.hellos) if (hello.conn === conn) this.hellos.delete(phone)
	}

	private async sendPairSuccess(
		conn: SimConnection,
		account: AccountState,
		clientIdentity: Buffer,
		advSecret: Buffer,
		/** what the phone pushes after the first login; undefined: nothing */
		history: HistorySpec | undefined
	): Promise<void> {
		if (this.pending.has(conn)) throw new Error('a phone is already linking this companion')
		const deviceId = account.nextDeviceId++
		const link: PendingLink = { account, deviceId, history, done: deferred<void>() }
		this.pending.set(conn, link)
		conn.send(buildPairSuccess(account, deviceId, clientIdentity, advSecret))
		await withTimeout(link.done.promise, LINK_TIMEOUT_MS, `pairing ${account.phone}: no pair-device-sign within ${LINK_TIMEOUT_MS} ms`)
	}

	private waitForHello(phone: string): Promise<CompanionHello> {
		const hello = this.hellos.get(phone)
		if (hello && !hello.conn.closed) return Promise.resolve(hello)
		const d = deferred<CompanionHello>()
		this.helloWaiters.set(phone, [...(this.helloWaiters.get(phone) ?? []), d])
		return d.promise
	}

	private dropRefs(conn: SimConnection): void {
		for (const ref of this.refsByConn.get(conn) ?? []) this.refs.delete(ref)
		this.refsByConn.delete(conn)
	}
}

/** `<pair-device-sign>` inside an iq result. */
export const isPairDeviceSign = (iq: BinaryNode): boolean => !!getBinaryNodeChild(iq, 'pair-device-sign')
