// Public API: a hermetic simulated WhatsApp server that the real, unmodified Baileys client connects to
// (config.waWebSocketUrl = sim.wsUrl, WA_CERT_DETAILS.PUBLIC_KEY = sim.rootPublicKey). See docs/simulator.md.
import { EventEmitter } from 'node:events'
import { Curve, type BinaryNode, type ChatModification, type KeyPair, type proto } from '@whiskeysockets/baileys'
import pino, { type Logger } from 'pino'
import { accountView, lidFor } from './accounts.js'
import { ContactImpl } from './contact.js'
import { handleGroupIq } from './group-iq.js'
import type { SimCall } from './calls.js'
import { DEFAULT_HISTORY, type HistorySpec } from './history.js'
import { Hub } from './hub.js'
import { makeCertificate, MediaHost, type TlsMaterial } from './media-host.js'
import { createTrustChain } from './noise.js'
import { loadState, Persistence } from './persistence.js'
import { SignalDevice } from './signal-device.js'
import type { ReceivedMessage, SimAccount, SimContact, SimGroup, SimulatorOptions } from './types.js'
import { firstChild, withTimeout } from './util.js'

export type * from './types.js'
export type { HistorySpec } from './history.js'
export type { SimCall, SimCallStatus } from './calls.js'

const LOGOUT_CLOSE_WAIT_MS = 5000

export interface CreateContactOptions {
	number?: string
	/** default true; false = the number answers "not on WhatsApp" in usync and has no devices */
	onWhatsApp?: boolean
	name?: string
	/** reply to every 1:1 text with "echo: <text>" */
	echo?: boolean
	/** privacy: message the account by LID only, never giving the number (implies addressing 'lid') */
	hidePhone?: boolean
	/** how 1:1 stanzas name the contact: 'pn' (default, from=PN sender_lid=LID) or 'lid' (from=LID sender_pn=PN) */
	addressing?: 'pn' | 'lid'
	/** devices of the contact (default 1: its phone); 2 = phone + a linked device (e.g. WhatsApp Web), up to 5 */
	devices?: number
}

export type GroupParticipantAction = 'add' | 'remove' | 'promote' | 'demote'

/** typed overloads for the events the simulator emits (merged into the class below) */
export declare interface Simulator {
	on(event: 'contact-message', fn: (m: ReceivedMessage) => void): this
	/** a contact's device dropped a message id it had already received (a sender's resend) */
	on(event: 'contact-duplicate', fn: (d: { contact: string; from: string; chat: string; id: string }) => void): this
	on(event: 'account-connected' | 'account-disconnected', fn: (a: SimAccount) => void): this
	on(event: 'account-logged-out', fn: (phone: string) => void): this
	on(event: 'call', fn: (c: SimCall) => void): this
	on(event: 'history-pushed', fn: (e: { phone: string; chunks: number }) => void): this
	on(event: string, fn: (...args: unknown[]) => void): this
	once(event: 'contact-message', fn: (m: ReceivedMessage) => void): this
	once(event: 'account-connected' | 'account-disconnected', fn: (a: SimAccount) => void): this
	once(event: 'account-logged-out', fn: (phone: string) => void): this
	once(event: string, fn: (...args: unknown[]) => void): this
}

export class Simulator extends EventEmitter {
	private readonly hub: Hub
	private port = 0
	private contactSeq = 0
	private persistence?: Persistence

	private constructor(
		private readonly logger: Logger,
		private readonly host: string,
		private readonly root: KeyPair,
		private readonly media: MediaHost
	) {
		super()
		this.hub = new Hub(logger, createTrustChain(root), media, this)
	}

	static async start(opts: SimulatorOptions = {}): Promise<Simulator> {
		const logger = (opts.logger ?? pino({ level: process.env.SIM_LOG_LEVEL ?? 'silent' })).child({ module: 'wa-simulator' })
		const host = opts.host ?? '127.0.0.1'
		const saved = opts.dataDir ? await loadState(opts.dataDir) : undefined
		// a restarted sandbox keeps its root key and CA, so already-configured clients still trust it
		const root: KeyPair = saved?.root ?? Curve.generateKeyPair()
		const tls: TlsMaterial = saved?.tls ?? makeCertificate(host)
		const media = new MediaHost(tls, logger)
		// a restarted sandbox listens where it did before: media URLs and the ws URL already handed out stay valid
		await listenPreferring(p => media.listen(host, p).then(() => media.port), opts.mediaPort, saved?.ports?.media, logger)
		const sim = new Simulator(logger, host, root, media)
		sim.hub.latencyMs = opts.receiptDelayMs ?? 200
		if (opts.dataDir) {
			sim.persistence = new Persistence(opts.dataDir, sim.hub, root, tls, logger)
			if (saved) await sim.persistence.restore(saved)
			sim.hub.onChange = () => sim.persistence?.schedule()
		}
		sim.port = await listenPreferring(p => sim.hub.listen(host, p), opts.port, saved?.ports?.ws, logger)
		if (sim.persistence) {
			sim.persistence.ports = { ws: sim.port, media: media.port }
			sim.persistence.schedule()
		}
		return sim
	}

	get wsUrl(): string {
		return `ws://${this.host === '0.0.0.0' ? '127.0.0.1' : this.host}:${this.port}`
	}

	/** the process running Baileys sets WA_CERT_DETAILS.PUBLIC_KEY to this (sandbox/test only) */
	get rootPublicKey(): Uint8Array {
		return this.root.public
	}

	/** PEM of the media host's self-signed certificate; trust it as `ca` */
	get caPem(): string {
		return this.media.caPem
	}

	/** 'HOST:PORT' of the HTTPS media host */
	get mediaHost(): string {
		return this.media.host
	}

	async createContact(opts: CreateContactOptions = {}): Promise<SimContact> {
		const number = opts.number?.replace(/[^0-9]/g, '') || this.freshContactNumber()
		if (this.hub.isTaken(number)) throw new Error(`createContact: ${number} already exists in the simulated network`)
		let salt = 0
		let lidUser = lidFor(number)
		while (this.hub.isTaken(lidUser)) lidUser = lidFor(number, ++salt)
		const contact = new ContactImpl(
			this.hub,
			{
				number,
				lidUser,
				name: opts.name ?? `Contact ${number.slice(-4)}`,
				onWhatsApp: opts.onWhatsApp ?? true,
				echo: !!opts.echo,
				hidePhone: !!opts.hidePhone,
				addressing: opts.addressing
			},
			SignalDevice.create(this.logger),
			Array.from({ length: Math.min(Math.max((opts.devices ?? 1) - 1, 0), 4) }, () => SignalDevice.create(this.logger))
		)
		this.hub.contactsByNumber.set(number, contact)
		this.hub.contactsByLid.set(lidUser, contact)
		this.hub.onChange()
		return contact
	}

	contact(number: string): SimContact | undefined {
		return this.hub.contactsByNumber.get(number.replace(/[^0-9]/g, ''))
	}

	contacts(): SimContact[] {
		return [...this.hub.contactsByNumber.values()]
	}

	/**
	 * A simulated phone (account `phone`, or a new generated number) scans the QR string Baileys emitted.
	 * After the companion's first login the phone pushes `history` (default 2 chats × 3 messages; false = none).
	 */
	scanQr(qr: string, phone?: string, opts: { history?: HistorySpec | false } = {}): Promise<{ phone: string }> {
		return this.hub.pairing.scanQr(qr, phone, opts.history ?? DEFAULT_HISTORY)
	}

	/** The phone of `phone` types the code from sock.requestPairingCode(phone). */
	enterPairingCode(phone: string, code: string, opts: { history?: HistorySpec | false } = {}): Promise<void> {
		return this.hub.pairing.enterPairingCode(phone, code, undefined, opts.history ?? DEFAULT_HISTORY)
	}

	/**
	 * The account's own phone (device 0) sends a text to a contact (`to`: number, phone jid or LID):
	 * the contact receives it, and the linked companion gets the `deviceSentMessage` copy (fromMe).
	 */
	phoneSendText(phone: string, to: string, text: string): Promise<{ id: string }> {
		return this.phoneSendMessage(phone, to, { conversation: text })
	}

	phoneSendMessage(phone: string, to: string, message: proto.IMessage): Promise<{ id: string }> {
		const account = this.hub.accounts.get(phone.replace(/[^0-9]/g, ''))
		if (!account) throw new Error(`phoneSend: no account ${phone}`)
		const peer = this.hub.peerOf(to.includes('@') ? to : `${to.replace(/[^0-9]/g, '')}@s.whatsapp.net`)
		if (peer?.kind !== 'contact') throw new Error(`phoneSend: ${to} is not a simulated contact`)
		return this.hub.phones.send(account, peer.contact, message)
	}

	/** Contact `number` calls the account `phone`; rings for ringMs (default 45 s) unless rejected or hung up. */
	call(number: string, phone: string, opts: { video?: boolean; ringMs?: number } = {}): SimCall {
		const contact = this.hub.contactsByNumber.get(number.replace(/[^0-9]/g, ''))
		if (!contact || !contact.onWhatsApp) throw new Error(`call: ${number} is not a simulated contact on WhatsApp`)
		const account = this.hub.accounts.get(phone.replace(/[^0-9]/g, ''))
		if (!account?.connection || account.connection.closed) throw new Error(`call: account ${phone} is not connected`)
		return this.hub.calls.offer(contact, account, opts)
	}

	/** The caller hangs up a ringing call (the account sees it missed). */
	hangUp(callId: string): void {
		this.hub.calls.hangUp(callId)
	}

	/**
	 * The account's phone changes a chat through app-state, like `sock.chatModify` (`{archive, lastMessages}`,
	 * `{pin}`, `{markRead, lastMessages}`, `{contact: {fullName}}` …): the companion gets the syncd patch.
	 */
	phoneChatModify(phone: string, mod: ChatModification, jid: string): Promise<number> {
		const account = this.hub.accounts.get(phone.replace(/[^0-9]/g, ''))
		if (!account || account.deviceId === undefined) throw new Error(`phoneChatModify: no linked account ${phone}`)
		return this.hub.appState.change(account, mod, jid)
	}

	/**
	 * Media blobs expire on the CDN: downloads of them get 410 (all blobs, or those whose path matches).
	 * The account's phone can still upload media contacts sent it again (Baileys' updateMediaMessage).
	 */
	expireMedia(pathFilter?: (pathname: string) => boolean): number {
		return this.hub.media.expire(pathFilter)
	}

	/** Switch the account's phone off (it no longer answers media re-upload requests) or on again. */
	setPhoneOnline(phone: string, online: boolean): void {
		this.hub.mediaRetry.setPhoneOnline(phone.replace(/[^0-9]/g, ''), online)
	}

	/** Calls made by contact `number` (or all), oldest first. */
	calls(number?: string): SimCall[] {
		const n = number?.replace(/[^0-9]/g, '')
		return this.hub.calls.list(c => !n || c.from === n)
	}

	/** The phone removes the linked device: a live client closes with 401; later logins get 401 too. */
	async logout(phone: string): Promise<void> {
		const account = this.hub.accounts.get(phone)
		if (!account || account.deviceId === undefined) throw new Error(`logout: no linked device for ${phone}`)
		const conn = account.connection
		this.hub.unlink(account, true)
		this.emit('account-logged-out', phone)
		if (conn && !conn.closed) await withTimeout(conn.whenClosed, LOGOUT_CLOSE_WAIT_MS, `logout: ${phone} did not close`).catch(() => conn.drop())
	}

	/** Abrupt close of the account's socket (no stream:error): Baileys sees a plain connection loss. */
	dropConnection(phone: string): void {
		this.hub.accounts.get(phone)?.connection?.drop()
	}

	/**
	 * The account's current connection becomes a black hole: it stays open, takes every frame and
	 * answers nothing (a "connected" socket on which nothing arrives). A new connection is healthy.
	 */
	blackHole(phone: string): boolean {
		const conn = this.hub.accounts.get(phone)?.connection
		if (!conn) return false
		conn.blackHoled = true
		return true
	}

	/** Pings answered on the account's current connection. */
	pingsOf(phone: string): number {
		return this.hub.accounts.get(phone)?.connection?.pings ?? 0
	}

	/** While true, every new websocket is closed immediately. */
	setRefuseConnections(refuse: boolean): void {
		this.hub.refuseConnections = refuse
	}

	account(phone: string): SimAccount | undefined {
		const a = this.hub.accounts.get(phone)
		return a ? accountView(a) : undefined
	}

	accounts(): SimAccount[] {
		return this.hub.accounts.all().map(accountView)
	}

	/** `id` with or without '@g.us'; the returned id always has it. */
	group(id: string): SimGroup | undefined {
		const g = this.hub.groups.get(id)
		return g ? this.hub.groups.view(g) : undefined
	}

	groups(): SimGroup[] {
		return this.hub.groups.all().map(g => this.hub.groups.view(g))
	}

	/** A contact creates a group (members: numbers of contacts and/or accounts); member accounts get a w:gp2 create. */
	createGroup(creatorNumber: string, subject: string, memberNumbers: string[]): SimGroup {
		const result = this.groupIqAs(creatorNumber, '@g.us', {
			tag: 'create',
			attrs: { subject },
			content: memberNumbers.map(n => ({ tag: 'participant', attrs: { jid: `${n}@s.whatsapp.net` } }))
		})
		const id = firstChild(result)?.attrs.id ?? ''
		return this.group(id)!
	}

	/** A member (contact) changes participants; member accounts get the w:gp2 notification. Returns per-number status. */
	groupParticipantsUpdate(groupId: string, actorNumber: string, numbers: string[], action: GroupParticipantAction): { jid: string; status: string }[] {
		const result = this.groupIqAs(actorNumber, this.requireGroup(groupId), {
			tag: action,
			attrs: {},
			content: numbers.map(n => ({ tag: 'participant', attrs: { jid: `${n}@s.whatsapp.net` } }))
		})
		const list = firstChild(result)?.content
		return (Array.isArray(list) ? list : []).map(p => ({ jid: p.attrs.jid ?? '', status: p.attrs.error ?? '200' }))
	}

	/** A member (contact) renames the group. */
	groupUpdateSubject(groupId: string, actorNumber: string, subject: string): void {
		this.groupIqAs(actorNumber, this.requireGroup(groupId), { tag: 'subject', attrs: {}, content: Buffer.from(subject) })
	}

	async stop(): Promise<void> {
		await this.hub.close()
		await this.media.close()
		await this.persistence?.flush()
		this.removeAllListeners()
	}

	private requireGroup(id: string): string {
		const g = this.hub.groups.get(id)
		if (!g) throw new Error(`unknown group ${id}`)
		return g.jid
	}

	/** Run a w:g2 iq on behalf of a simulated user; throws on an iq error like Baileys would. */
	private groupIqAs(actor: string, to: string, child: BinaryNode): BinaryNode {
		const result = handleGroupIq(this.hub, actor, { tag: 'iq', attrs: { id: 'sim', to, type: 'set', xmlns: 'w:g2' }, content: [child] })
		const error = result.attrs.type === 'error' ? firstChild(result) : undefined
		if (error) throw new Error(`group ${child.tag} by ${actor} failed: ${error.attrs.code} ${error.attrs.text}`)
		return result
	}

	private freshContactNumber(): string {
		let n: string
		do n = `1444${`${5000000 + ++this.contactSeq}`}`
		while (this.hub.isTaken(n))
		return n
	}
}

/** Listens on the explicit port, else on the remembered one if it is free, else on a new one. */
async function listenPreferring(listen: (port: number) => Promise<number>, explicit: number | undefined, remembered: number | undefined, logger: Logger): Promise<number> {
	if (explicit !== undefined || !remembered) return listen(explicit ?? 0)
	try {
		return await listen(remembered)
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
		logger.warn({ port: remembered }, 'the port of the last run is taken: listening on a new one (media received before cannot be downloaded)')
		return listen(0)
	}
}
