// Local HTTPS media host: WhatsApp-style encrypted uploads (POST /mms/<type>/<token>?auth=…),
// downloads by direct path, and profile pictures. Self-signed cert made in-process (selfsigned).
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { generate as generateSelfSigned } from 'selfsigned'

/** An 8x8 green JPEG served for every profile picture. */
export const PROFILE_JPEG = Buffer.from(
	'/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCyACSZ/9k=',
	'base64'
)

const MAX_UPLOAD_BYTES = 100 * 1024 * 1024

export interface UploadResult {
	url: string
	directPath: string
}

export interface TlsMaterial {
	key: string
	cert: string
}

/** Self-signed cert for 127.0.0.1/localhost (+ the bind address). RSA key made natively: forge keygen is slow. */
export function makeCertificate(bindHost: string): TlsMaterial {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', {
		modulusLength: 2048,
		privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
		publicKeyEncoding: { type: 'spki', format: 'pem' }
	})
	const ips = [...new Set(['127.0.0.1', ...(/^\d+\.\d+\.\d+\.\d+$/.test(bindHost) && bindHost !== '0.0.0.0' ? [bindHost] : [])])]
	// `keyPair` is supported by selfsigned 2.4 at runtime but missing from its typings; a non-literal avoids the excess-property check
	const options = {
		days: 30,
		algorithm: 'sha256',
		keyPair: { privateKey, publicKey },
		extensions: [
			{ name: 'basicConstraints', cA: true },
			{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
			{ name: 'extKeyUsage', serverAuth: true },
			{ name: 'subjectAltName', altNames: [...ips.map(ip => ({ type: 7, ip })), { type: 2, value: 'localhost' }] }
		]
	}
	const pems = generateSelfSigned([{ name: 'commonName', value: 'wa-simulator media host' }], options)
	return { key: pems.private, cert: pems.cert }
}

export class MediaHost {
	/** media_conn auth token; uploads must carry it */
	readonly auth = `sim-${randomBytes(12).toString('base64url')}`
	private readonly blobs = new Map<string, Buffer>()
	/** pathnames no longer served (expired on the CDN); the bytes stay for a re-upload by the phone */
	private readonly expired = new Set<string>()
	private reuploads = 0
	private server?: Server
	private hostPort = ''

	constructor(
		readonly tls: TlsMaterial,
		private readonly logger: Logger
	) {}

	/** PEM of the self-signed certificate: trust it as `ca`. */
	get caPem(): string {
		return this.tls.cert
	}

	/** the TCP port it listens on (0 before listen) */
	get port(): number {
		return Number(this.hostPort.split(':').pop() ?? 0)
	}

	/** 'HOST:PORT' as handed out in media_conn (Baileys builds https://HOST:PORT/… from it). */
	get host(): string {
		return this.hostPort
	}

	async listen(bindHost: string, port: number): Promise<void> {
		const server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => this.handle(req, res))
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject)
			server.listen(port, bindHost, () => resolve())
		})
		this.server = server
		const { port: actual } = server.address() as AddressInfo // listening on TCP, so an AddressInfo
		this.hostPort = `${bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost}:${actual}`
	}

	async close(): Promise<void> {
		const server = this.server
		if (!server) return
		server.closeAllConnections()
		await new Promise<void>(resolve => server.close(() => resolve()))
	}

	/** Store an (already encrypted) blob the way an upload does; returns what the upload JSON says. */
	store(type: string, body: Buffer): UploadResult {
		const name = `sim_${createHash('sha256').update(body).digest('hex').slice(0, 24)}`
		const directPath = `/v/t62.7118-24/${type}/${name}.enc?ccb=11-4&oh=sim&oe=sim&_nc_sid=5e03e0`
		this.blobs.set(directPath.split('?')[0]!, body)
		return { url: `https://${this.hostPort}${directPath}&mms3=true`, directPath }
	}

	/** Stop serving blobs (all, or those whose pathname `pathFilter` accepts): downloads get 410 Gone. */
	expire(pathFilter: (pathname: string) => boolean = () => true): number {
		let n = 0
		for (const path of this.blobs.keys()) {
			if (!pathFilter(path) || this.expired.has(path)) continue
			this.expired.add(path)
			n++
		}
		return n
	}

	/** The phone uploads an expired blob again: the same bytes under a new direct path (undefined if unknown). */
	reupload(directPathOrUrl: string): string | undefined {
		const pathname = new URL(directPathOrUrl, `https://${this.hostPort}`).pathname
		const body = this.blobs.get(pathname)
		if (!body) return undefined
		const fresh = pathname.replace(/\.enc$/, `_r${++this.reuploads}.enc`)
		this.blobs.set(fresh, body)
		return `${fresh}?ccb=11-4&oh=sim&oe=sim&_nc_sid=5e03e0`
	}

	blobEntries(): [string, Buffer][] {
		return [...this.blobs.entries()]
	}

	restoreBlob(pathname: string, body: Buffer): void {
		this.blobs.set(pathname, body)
	}

	profilePictureUrl(jid: string): string {
		return `https://${this.hostPort}/pp/${encodeURIComponent(jid)}.jpg?oh=sim&oe=sim`
	}

	private handle(req: IncomingMessage, res: ServerResponse): void {
		const url = new URL(req.url ?? '/', `https://${this.hostPort}`)
		const chunks: Buffer[] = []
		let size = 0
		req.on('data', (c: Buffer) => {
			size += c.length
			if (size > MAX_UPLOAD_BYTES) req.destroy()
			else chunks.push(c)
		})
		req.on('end', () => {
			if (req.method === 'POST' && url.pathname.startsWith('/mms/')) return this.onUpload(url, Buffer.concat(chunks), res)
			if (req.method === 'GET' && url.pathname.startsWith('/pp/')) return reply(res, 200, PROFILE_JPEG, 'image/jpeg')
			if (req.method === 'GET' && this.expired.has(url.pathname)) return reply(res, 410, Buffer.from('{"error":"gone"}'), 'application/json')
			const blob = req.method === 'GET' ? this.blobs.get(url.pathname) : undefined
			if (blob) return reply(res, 200, blob, 'application/octet-stream')
			this.logger.debug({ method: req.method, path: url.pathname }, 'media host 404')
			reply(res, 404, Buffer.from('{"error":"not found"}'), 'application/json')
		})
	}

	private onUpload(url: URL, body: Buffer, res: ServerResponse): void {
		const [, , type = 'unknown', token = ''] = url.pathname.split('/')
		if (url.searchParams.get('auth') !== this.auth) {
			return reply(res, 401, Buffer.from('{"error":"bad auth"}'), 'application/json')
		}
		// the token is the base64url sha256 of the encrypted body (Baileys: fileEncSha256B64)
		if (createHash('sha256').update(body).digest('base64url') !== token.replace(/=+$/, '')) {
			return reply(res, 400, Buffer.from('{"error":"hash mismatch"}'), 'application/json')
		}
		const { url: mediaUrl, directPath } = this.store(type, body)
		this.logger.debug({ type, bytes: body.length, directPath }, 'media uploaded')
		reply(res, 200, Buffer.from(JSON.stringify({ url: mediaUrl, direct_path: directPath })), 'application/json')
	}
}

function reply(res: ServerResponse, status: number, body: Buffer, type: string): void {
	res.writeHead(status, { 'content-type': type, 'content-length': body.length })
	res.end(body)
}
