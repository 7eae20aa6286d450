// One websocket from a Baileys client: noise handshake, then encrypted binary nodes in both directions.
import { decodeBinaryNode, encodeBinaryNode, proto, type BinaryNode } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import WebSocket from 'ws'
import { encodeFrame, FrameReader, NoiseServer, type TrustChain } from './noise.js'
import { deferred } from './util.js'

export interface ConnectionHandlers {
	/** handshake finished; the payload says registration (devicePairingData) or login (username/device) */
	onPayload(conn: SimConnection, payload: proto.ClientPayload): void
	onNode(conn: SimConnection, node: BinaryNode): void
	onClose(conn: SimConnection): void
}

/** How long to wait for the client to close after a stream:error/failure before cutting the socket. */
const CLOSE_GRACE_MS = 3000

let nextConnectionId = 1

export class SimConnection {
	readonly id = nextConnectionId++
	/** the client's static noise public key (creds.noiseKey): identifies the companion across reconnects */
	clientStatic?: Buffer
	/** phone number of the logged-in account, once login succeeded */
	phone?: string
	closed = false
	/** Black hole: frames from the client are taken and ignored, nothing is ever sent back. */
	blackHoled = false
	/** Ping iqs (xmlns w:p) answered on this connection: keep-alives and watchdog probes. */
	pings = 0
	private readonly noise: NoiseServer
	private readonly reader = new FrameReader()
	private stage: 'hello' | 'finish' | 'transport' = 'hello'
	private readonly closedSignal = deferred<void>()
	/** decodeBinaryNode is async: chain decodes so nodes are dispatched in arrival order */
	private decodeChain: Promise<void> = Promise.resolve()

	constructor(
		private readonly ws: WebSocket,
		trust: TrustChain,
		private readonly handlers: ConnectionHandlers,
		private readonly logger: Logger
	) {
		this.noise = new NoiseServer(trust)
		ws.on('message', (data: WebSocket.RawData) => this.onData(data))
		ws.on('close', () => this.markClosed())
		ws.on('error', err => {
			this.logger.debug({ err, conn: this.id }, 'websocket error')
			this.markClosed()
		})
	}

	private onData(data: WebSocket.RawData): void {
		if (this.closed || this.blackHoled) return
		const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
		try {
			const { intro, frames } = this.reader.push(buf)
			if (intro) this.noise.authenticate(intro)
			for (const frame of frames) this.onFrame(frame)
		} catch (err) {
			this.logger.warn({ err, conn: this.id }, 'bad frame from client, dropping connection')
			this.drop()
		}
	}

	private onFrame(frame: Buffer): void {
		if (this.stage === 'hello') {
			this.ws.send(encodeFrame(this.noise.respondToHello(frame)))
			this.stage = 'finish'
		} else if (this.stage === 'finish') {
			const { clientStatic, payload } = this.noise.finish(frame)
			this.clientStatic = clientStatic
			this.stage = 'transport'
			this.handlers.onPayload(this, payload)
		} else {
			// decrypt now (the GCM counter must follow arrival order), decode + dispatch in order
			const plain = this.noise.decrypt(frame)
			this.decodeChain = this.decodeChain
				.then(async () => {
					const node = await decodeBinaryNode(plain)
					if (!this.closed) this.handlers.onNode(this, node)
				})
				.catch(err => this.logger.warn({ err, conn: this.id }, 'failed to handle client node'))
		}
	}

	send(node: BinaryNode): void {
		if (this.closed || this.blackHoled || this.ws.readyState !== WebSocket.OPEN || !this.noise.established) return
		this.ws.send(encodeFrame(this.noise.encrypt(encodeBinaryNode(node))))
	}

	/**
	 * Send a terminal node (stream:error / failure) and let the client close: closing right away
	 * could beat the client's async frame decoding and it would see a plain close instead.
	 */
	sendTerminal(node: BinaryNode): void {
		this.send(node)
		const timer = setTimeout(() => this.drop(), CLOSE_GRACE_MS)
		timer.unref()
		this.ws.once('close', () => clearTimeout(timer))
	}

	/** orderly websocket close */
	close(): void {
		if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close()
		this.markClosed()
	}

	/** abrupt TCP-level cut, no close frame */
	drop(): void {
		this.ws.terminate()
		this.markClosed()
	}

	/** resolves once the socket is closed (by either side) */
	get whenClosed(): Promise<void> {
		return this.closedSignal.promise
	}

	private markClosed(): void {
		if (this.closed) return
		this.closed = true
		this.closedSignal.resolve()
		this.handlers.onClose(this)
	}
}
