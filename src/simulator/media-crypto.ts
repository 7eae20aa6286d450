// WhatsApp media encryption (AES-256-CBC + truncated HMAC, keys from HKDF(mediaKey)) done in memory,
// plus the HTTPS upload/download a simulated contact performs against the media host (TLS verified with its CA).
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import { getMediaKeys, hmacSign, MEDIA_PATH_MAP, type MediaType } from '@whiskeysockets/baileys'
import { Agent, request } from 'undici'

export type SimMediaType = 'image' | 'video' | 'audio' | 'document' | 'sticker'

export interface EncryptedMedia {
	/** ciphertext ‖ 10-byte MAC: what is uploaded */
	body: Buffer
	mediaKey: Buffer
	fileSha256: Buffer
	fileEncSha256: Buffer
	fileLength: number
}

const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest()

export async function encryptMedia(data: Buffer, type: SimMediaType): Promise<EncryptedMedia> {
	const mediaKey = randomBytes(32)
	const { iv, cipherKey, macKey } = await getMediaKeys(mediaKey, type)
	const cipher = createCipheriv('aes-256-cbc', cipherKey, iv)
	const enc = Buffer.concat([cipher.update(data), cipher.final()])
	const mac = hmacSign(Buffer.concat([iv, enc]), macKey!).subarray(0, 10)
	const body = Buffer.concat([enc, mac])
	return { body, mediaKey, fileSha256: sha256(data), fileEncSha256: sha256(body), fileLength: data.length }
}

/** Verifies fileEncSha256 (if given), the MAC, then fileSha256 (if given) — a wrong byte anywhere throws. */
export async function decryptMedia(
	body: Buffer,
	mediaKey: Uint8Array,
	type: MediaType,
	expect: { fileEncSha256?: Uint8Array | null; fileSha256?: Uint8Array | null } = {}
): Promise<Buffer> {
	if (expect.fileEncSha256?.length && !sha256(body).equals(Buffer.from(expect.fileEncSha256))) {
		throw new Error('media fileEncSha256 mismatch')
	}
	const { iv, cipherKey, macKey } = await getMediaKeys(mediaKey, type)
	const enc = body.subarray(0, -10)
	const mac = body.subarray(-10)
	const want = hmacSign(Buffer.concat([iv, enc]), macKey!).subarray(0, 10)
	if (mac.length !== 10 || !timingSafeEqual(mac, want)) throw new Error('media MAC mismatch')
	const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv)
	const plain = Buffer.concat([decipher.update(enc), decipher.final()])
	if (expect.fileSha256?.length && !sha256(plain).equals(Buffer.from(expect.fileSha256))) {
		throw new Error('media fileSha256 mismatch')
	}
	return plain
}

/** HTTPS client of a simulated phone: same upload protocol as Baileys, trusting only the sim CA. */
export class MediaClient {
	private readonly agent: Agent

	constructor(
		private readonly caPem: string,
		private readonly host: () => string,
		private readonly auth: () => string
	) {
		this.agent = new Agent({ connect: { ca: caPem } })
	}

	async upload(type: SimMediaType, body: Buffer, fileEncSha256: Buffer): Promise<{ url: string; directPath: string }> {
		const token = fileEncSha256.toString('base64url')
		const [hostname, port] = this.host().split(':')
		const path = `${MEDIA_PATH_MAP[type]}/${token}?auth=${encodeURIComponent(this.auth())}&token=${token}`
		const text = await new Promise<string>((resolve, reject) => {
			const req = httpsRequest(
				{
					hostname,
					port: Number(port),
					path,
					method: 'POST',
					ca: this.caPem,
					agent: false,
					headers: { 'content-type': 'application/octet-stream', 'content-length': body.length }
				},
				res => {
					let out = ''
					res.setEncoding('utf8')
					res.on('data', (c: string) => (out += c))
					res.on('end', () => (res.statusCode === 200 ? resolve(out) : reject(new Error(`media upload HTTP ${res.statusCode}: ${out}`))))
				}
			)
			req.on('error', reject)
			req.end(body)
		})
		// the media host answers {url, direct_path} like WhatsApp's
		const json = JSON.parse(text) as { url: string; direct_path: string }
		return { url: json.url, directPath: json.direct_path }
	}

	async download(url: string): Promise<Buffer> {
		const res = await request(url, { dispatcher: this.agent })
		const body = Buffer.from(await res.body.arrayBuffer())
		if (res.statusCode !== 200) throw new Error(`media download HTTP ${res.statusCode} for ${url}`)
		return body
	}

	async close(): Promise<void> {
		await this.agent.close()
	}
}
