// Server side of WhatsApp's Noise_XX_25519_AESGCM_SHA256 handshake + the 3-byte length frame codec.
// Mirrors lib/Utils/noise-handler.js of Baileys (the client side) step by step.
import {
	aesDecryptGCM,
	aesEncryptGCM,
	Curve,
	hkdf,
	NOISE_MODE,
	NOISE_WA_HEADER,
	proto,
	sha256,
	type KeyPair
} from '@whiskeysockets/baileys'

/** The certificate chain the server presents; the client trusts it when WA_CERT_DETAILS.PUBLIC_KEY = root public key. */
export interface TrustChain {
	rootPublicKey: Uint8Array
	certChain: Uint8Array
	serverStatic: KeyPair
}

/** root --signs--> intermediate (issuerSerial 0 = WA_CERT_DETAILS.SERIAL) --signs--> leaf. */
export function createTrustChain(root: KeyPair = Curve.generateKeyPair()): TrustChain {
	const intermediate = Curve.generateKeyPair()
	const serverStatic = Curve.generateKeyPair()
	const interDetails = proto.CertChain.NoiseCertificate.Details.encode({ serial: 1, issuerSerial: 0, key: intermediate.public }).finish()
	// Baileys never compares the leaf key with the server static key, but keep it honest anyway.
	const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({ serial: 2, issuerSerial: 1, key: serverStatic.public }).finish()
	const certChain = proto.CertChain.encode({
		intermediate: { details: interDetails, signature: Curve.sign(root.private, interDetails) },
		leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) }
	}).finish()
	return { rootPublicKey: root.public, certChain, serverStatic }
}

const EMPTY = Buffer.alloc(0)

const ivFor = (counter: number): Buffer => {
	const iv = Buffer.alloc(12)
	iv.writeUInt32BE(counter, 8)
	return iv
}

/** One handshake + transport state per websocket. */
export class NoiseServer {
	private hash: Buffer
	private salt: Buffer
	private key: Buffer
	private counter = 0
	private ephemeral?: KeyPair
	private transport?: { enc: Buffer; dec: Buffer; read: number; write: number }

	constructor(private readonly trust: TrustChain) {
		const mode = Buffer.from(NOISE_MODE)
		this.hash = mode.length === 32 ? mode : Buffer.from(sha256(mode))
		this.salt = this.hash
		this.key = this.hash
	}

	get established(): boolean {
		return !!this.transport
	}

	/** The intro header (`WA` 6 3) is part of the handshake hash, exactly as the client hashes it. */
	authenticate(data: Uint8Array): void {
		this.hash = Buffer.from(sha256(Buffer.concat([this.hash, data])))
	}

	private mixIntoKey(data: Uint8Array): void {
		const out = Buffer.from(hkdf(Buffer.from(data), 64, { salt: this.salt, info: '' }))
		this.salt = out.subarray(0, 32)
		this.key = out.subarray(32)
		this.counter = 0
	}

	private encryptHs(plain: Uint8Array): Buffer {
		const out = aesEncryptGCM(plain, this.key, ivFor(this.counter++), this.hash)
		this.authenticate(out)
		return out
	}

	private decryptHs(cipher: Uint8Array): Buffer {
		const out = aesDecryptGCM(cipher, this.key, ivFor(this.counter++), this.hash)
		this.authenticate(cipher)
		return out
	}

	/** clientHello -> serverHello {ephemeral, enc(static), enc(cert chain)}. */
	respondToHello(frame: Uint8Array): Buffer {
		const { clientHello } = proto.HandshakeMessage.decode(frame)
		if (!clientHello?.ephemeral) throw new Error('noise: first frame is not a clientHello')
		const clientEph = clientHello.ephemeral
		this.authenticate(clientEph)
		this.ephemeral = Curve.generateKeyPair()
		this.authenticate(this.ephemeral.public)
		this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientEph))
		const staticEnc = this.encryptHs(this.trust.serverStatic.public)
		this.mixIntoKey(Curve.sharedKey(this.trust.serverStatic.private, clientEph))
		const payloadEnc = this.encryptHs(this.trust.certChain)
		return Buffer.from(
			proto.HandshakeMessage.encode({
				serverHello: { ephemeral: this.ephemeral.public, static: staticEnc, payload: payloadEnc }
			}).finish()
		)
	}

	/** clientFinish -> client's static noise key + its ClientPayload; switches to transport keys. */
	finish(frame: Uint8Array): { clientStatic: Buffer; payload: proto.ClientPayload } {
		const { clientFinish } = proto.HandshakeMessage.decode(frame)
		if (!clientFinish?.static || !clientFinish.payload || !this.ephemeral) {
			throw new Error('noise: expected clientFinish')
		}
		const clientStatic = this.decryptHs(clientFinish.static)
		this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStatic))
		const payload = proto.ClientPayload.decode(this.decryptHs(clientFinish.payload))
		const keys = Buffer.from(hkdf(EMPTY, 64, { salt: this.salt, info: '' }))
		// the client encrypts with the first half and decrypts with the second: mirror it
		this.transport = { enc: keys.subarray(32), dec: keys.subarray(0, 32), read: 0, write: 0 }
		return { clientStatic, payload }
	}

	encrypt(plain: Uint8Array): Buffer {
		if (!this.transport) throw new Error('noise: transport not ready')
		return aesEncryptGCM(plain, this.transport.enc, ivFor(this.transport.write++), EMPTY)
	}

	decrypt(cipher: Uint8Array): Buffer {
		if (!this.transport) throw new Error('noise: transport not ready')
		return aesDecryptGCM(cipher, this.transport.dec, ivFor(this.transport.read++), EMPTY)
	}
}

export const encodeFrame = (payload: Uint8Array): Buffer => {
	const frame = Buffer.alloc(3 + payload.length)
	frame.writeUIntBE(payload.length, 0, 3)
	frame.set(payload, 3)
	return frame
}

/**
 * Splits the client byte stream into frames. The very first bytes are the intro header:
 * `WA 6 3`, or `ED 0 1 <len:3> <routing info>` followed by `WA 6 3` when the client has routing info.
 */
export class FrameReader {
	private buf: Buffer = Buffer.alloc(0)
	private introDone = false

	/** Returns the WA intro header once (to hash) and every complete frame. */
	push(data: Buffer): { intro?: Buffer; frames: Buffer[] } {
		this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data
		let intro: Buffer | undefined
		if (!this.introDone) {
			let skip = 0
			if (this.buf.length >= 2 && this.buf.toString('latin1', 0, 2) === 'ED') {
				if (this.buf.length < 7) return { frames: [] }
				skip = 7 + ((this.buf[4]! << 16) | this.buf.readUInt16BE(5))
			}
			if (this.buf.length < skip + NOISE_WA_HEADER.length) return { frames: [] }
			intro = Buffer.from(this.buf.subarray(skip, skip + NOISE_WA_HEADER.length))
			this.buf = this.buf.subarray(skip + NOISE_WA_HEADER.length)
			this.introDone = true
		}
		const frames: Buffer[] = []
		while (this.buf.length >= 3) {
			const len = this.buf.readUIntBE(0, 3)
			if (this.buf.length < len + 3) break
			frames.push(Buffer.from(this.buf.subarray(3, 3 + len)))
			this.buf = this.buf.subarray(3 + len)
		}
		return { intro, frames }
	}
}
