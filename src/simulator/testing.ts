// Test harness: a REAL Baileys client wired to a Simulator (trust root, media CA, 515 restart), with
// event-driven waits. Used by test/simulator*.test.ts; usable by any test that needs a linked gateway socket.
import { Agent as HttpsAgent } from 'node:https'
import {
	DisconnectReason,
	initAuthCreds,
	makeCacheableSignalKeyStore,
	makeWASocket,
	WA_CERT_DETAILS,
	type AuthenticationCreds,
	type BaileysEventMap,
	type MediaDownloadOptions,
	type UserFacingSocketConfig,
	type WAMessage,
	type WASocket
} from '@whiskeysockets/baileys'
import type { Boom } from '@hapi/boom'
import pino, { type Logger } from 'pino'
import { Agent as UndiciAgent } from 'undici'
import type { HistorySpec, Simulator } from './index.js'
import { MemoryKeyStore } from './keystore.js'
import { Inbox } from './util.js'

export interface RecordedEvent {
	seq: number
	/** 1 for the first socket, 2 after the first restart, … */
	socket: number
	name: keyof BaileysEventMap
	data: unknown
}

const DEFAULT_WAIT_MS = 10000

export const statusCodeOf = (err: Error | Boom | undefined): number | undefined => (err as Boom | undefined)?.output?.statusCode

export class SimTestClient {
	readonly creds: AuthenticationCreds = initAuthCreds()
	readonly keys = new MemoryKeyStore()
	/** trusts the simulator CA for downloadMediaMessage: `{ dispatcher: client.dispatcher }` */
	readonly dispatcher: UndiciAgent
	sock?: WASocket
	/** start a new socket by itself after a 515 restart (Baileys never does) */
	autoRestart = true
	private readonly events = new Inbox<RecordedEvent>()
	private seq = 0
	private sockets = 0
	private readonly logger: Logger

	constructor(
		private sim: Simulator,
		private readonly config: Partial<UserFacingSocketConfig> = {}
	) {
		// the process running Baileys must trust the simulator's noise root (sandbox/test only)
		WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(sim.rootPublicKey)
		this.logger = pino({ level: process.env.BAILEYS_LOG_LEVEL ?? 'silent' })
		this.dispatcher = new UndiciAgent({ connect: { ca: sim.caPem } })
	}

	/** For downloadMediaMessage(msg, 'buffer', client.downloadOptions): fetch with a dispatcher trusting the sim CA. */
	get downloadOptions(): MediaDownloadOptions {
		// Node's fetch accepts an undici `dispatcher`; the RequestInit typing Baileys uses does not declare it
		return { options: { dispatcher: this.dispatcher } as RequestInit }
	}

	/** Point the same creds at another (e.g. restarted) simulator: the next start() connects there. */
	retarget(sim: Simulator): void {
		this.sim = sim
		WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(sim.rootPublicKey)
	}

	/** index of the last recorded event: pass it as `after` to wait only for newer ones */
	mark(): number {
		return this.seq
	}

	start(): WASocket {
		const socket = ++this.sockets
		const sock = makeWASocket({
			waWebSocketUrl: this.sim.wsUrl,
			auth: { creds: this.creds, keys: makeCacheableSignalKeyStore(this.keys, this.logger) },
			logger: this.logger,
			markOnlineOnConnect: false,
			syncFullHistory: false,
			shouldSyncHistoryMessage: () => false,
			fetchAgent: new HttpsAgent({ ca: this.sim.caPem }),
			...this.config
		})
		sock.ev.on('creds.update', update => Object.assign(this.creds, update))
		sock.ev.process(async batch => {
			for (const name of Object.keys(batch) as (keyof BaileysEventMap)[]) {
				this.events.push({ seq: ++this.seq, socket, name, data: batch[name] })
			}
			const update = batch['connection.update']
			if (update?.connection === 'close' && statusCodeOf(update.lastDisconnect?.error) === DisconnectReason.restartRequired && this.autoRestart) {
				this.start()
			}
		})
		this.sock = sock
		return sock
	}

	/** Waits for event `name` whose payload matches `pred` (recorded after `after`, default: any time). */
	async waitEvent<K extends keyof BaileysEventMap>(
		name: K,
		pred: (data: BaileysEventMap[K]) => boolean = () => true,
		opts: { after?: number; timeoutMs?: number; what?: string } = {}
	): Promise<BaileysEventMap[K]> {
		const after = opts.after ?? 0
		const e = await this.events.wait(
			// data was recorded from the batch entry of the same name, so it has that event's payload type
			ev => ev.seq > after && ev.name === name && pred(ev.data as BaileysEventMap[K]),
			opts.timeoutMs ?? DEFAULT_WAIT_MS,
			opts.what ?? `Baileys event ${name}`
		)
		return e.data as BaileysEventMap[K] // see above
	}

	waitForQr(after = 0, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
		return this.waitEvent('connection.update', u => !!u.qr, { after, timeoutMs, what: 'a QR code' }).then(u => u.qr!)
	}

	async waitForOpen(after = 0, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
		await this.waitEvent('connection.update', u => u.connection === 'open', { after, timeoutMs, what: "connection 'open'" })
	}

	/** resolves with the close status code (DisconnectReason) */
	async waitForClose(after = 0, timeoutMs = DEFAULT_WAIT_MS): Promise<number | undefined> {
		const u = await this.waitEvent('connection.update', x => x.connection === 'close', { after, timeoutMs, what: "connection 'close'" })
		return statusCodeOf(u.lastDisconnect?.error)
	}

	/** an incoming (not fromMe) message upsert matching `pred` */
	async waitForIncoming(pred: (m: WAMessage) => boolean = () => true, opts: { after?: number; timeoutMs?: number } = {}): Promise<WAMessage> {
		let found: WAMessage | undefined
		await this.waitEvent(
			'messages.upsert',
			u => {
				found = u.messages.find(m => !m.key.fromMe && pred(m))
				return !!found
			},
			{ ...opts, what: 'an incoming messages.upsert' }
		)
		return found!
	}

	/**
	 * Fresh creds -> QR -> sim phone scans -> 515 -> reconnect -> open. Returns the phone number.
	 * This client syncs no history, so by default the phone pushes none (pass `history` to get some).
	 */
	async linkWithQr(phone?: string, timeoutMs = 20000, history: HistorySpec | false = false): Promise<string> {
		const after = this.mark()
		this.start()
		const qr = await this.waitForQr(after, timeoutMs)
		const linked = await this.sim.scanQr(qr, phone, { history })
		await this.waitForOpen(after, timeoutMs)
		return linked.phone
	}

	/** Fresh creds -> requestPairingCode -> the sim phone types the code -> 515 -> open. */
	async linkWithCode(phone: string, timeoutMs = 20000): Promise<string> {
		const after = this.mark()
		const sock = this.start()
		// the socket must be up (it shows a QR) before a code can be requested
		await this.waitForQr(after, timeoutMs)
		const code = await sock.requestPairingCode(phone)
		await this.sim.enterPairingCode(phone, code, { history: false })
		await this.waitForOpen(after, timeoutMs)
		return code
	}

	/** Reconnect with the saved creds (no QR expected). */
	async reconnect(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
		const after = this.mark()
		this.start()
		await this.waitForOpen(after, timeoutMs)
	}

	end(): void {
		this.autoRestart = false
		this.sock?.end(undefined).catch(() => undefined)
	}

	async close(): Promise<void> {
		this.end()
		await this.dispatcher.close()
	}
}
