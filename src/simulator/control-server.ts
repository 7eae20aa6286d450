// Small JSON-over-HTTP control API so a simulator running in its own process (main.ts) can be driven
// by a benchmark or a sandbox: scan QRs, enter pairing codes, create contacts, send, inspect.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Simulator } from './index.js'
import type { ReceivedMessage, SimContact } from './types.js'

type Json = Record<string, unknown>

class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message)
	}
}

const str = (body: Json, key: string): string => {
	const v = body[key]
	if (typeof v !== 'string' || !v) throw new HttpError(400, `"${key}" (string) is required`)
	return v
}

/** ReceivedMessage without the raw bytes (sha256/size identify the media). */
const summary = (m: ReceivedMessage): Json => ({ ...m, media: m.media ? { ...m.media, data: undefined } : undefined })

async function readJson(req: IncomingMessage): Promise<Json> {
	const chunks: Buffer[] = []
	for await (const c of req) chunks.push(c as Buffer)
	if (!chunks.length) return {}
	const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'body must be a JSON object')
	return parsed as Json // checked just above
}

export async function startControlServer(sim: Simulator, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
	const contact = (n: string): SimContact => {
		const c = sim.contact(n)
		if (!c) throw new HttpError(404, `no contact ${n}`)
		return c
	}
	const routes: [string, RegExp, (m: string[], body: Json) => Promise<unknown> | unknown][] = [
		['GET', /^\/info$/, () => ({ wsUrl: sim.wsUrl, mediaHost: sim.mediaHost, rootPublicKey: Buffer.from(sim.rootPublicKey).toString('base64'), caPem: sim.caPem })],
		['POST', /^\/scan$/, (_, b) => sim.scanQr(str(b, 'qr'), typeof b.phone === 'string' ? b.phone : undefined)],
		['POST', /^\/pairing-code$/, async (_, b) => (await sim.enterPairingCode(str(b, 'phone'), str(b, 'code')), {})],
		['POST', /^\/logout$/, async (_, b) => (await sim.logout(str(b, 'phone')), {})],
		['POST', /^\/drop$/, (_, b) => (sim.dropConnection(str(b, 'phone')), {})],
		['POST', /^\/black-hole$/, (_, b) => ({ blackHoled: sim.blackHole(str(b, 'phone')) })],
		['POST', /^\/refuse$/, (_, b) => (sim.setRefuseConnections(!!b.refuse), {})],
		['GET', /^\/accounts$/, () => sim.accounts()],
		['GET', /^\/accounts\/(\d+)$/, ([, p]) => sim.account(p!) ?? null],
		['GET', /^\/groups\/([^/]+)$/, ([, id]) => sim.group(decodeURIComponent(id!)) ?? null],
		['POST', /^\/contacts$/, async (_, b) => {
			const c = await sim.createContact({
				...(typeof b.number === 'string' ? { number: b.number } : {}),
				...(typeof b.name === 'string' ? { name: b.name } : {}),
				...(typeof b.onWhatsApp === 'boolean' ? { onWhatsApp: b.onWhatsApp } : {}),
				echo: b.echo === true
			})
			return { number: c.number, jid: c.jid, lid: c.lid, name: c.name, onWhatsApp: c.onWhatsApp, echo: c.echo }
		}],
		['GET', /^\/contacts\/(\d+)\/messages$/, ([, n]) => contact(n!).received().map(summary)],
		['POST', /^\/contacts\/(\d+)\/wait$/, async ([, n], b) => {
			const id = typeof b.id === 'string' ? b.id : undefined
			const m = await contact(n!).waitForMessage(x => !id || x.id === id, typeof b.timeoutMs === 'number' ? b.timeoutMs : undefined)
			return summary(m)
		}],
		['POST', /^\/contacts\/(\d+)\/send$/, ([, n], b) => contact(n!).sendText(str(b, 'to'), str(b, 'text'))],
		['POST', /^\/contacts\/(\d+)\/send-media$/, ([, n], b) =>
			contact(n!).sendMedia(str(b, 'to'), {
				data: Buffer.from(str(b, 'dataBase64'), 'base64'),
				mimetype: str(b, 'mimetype'),
				...(typeof b.fileName === 'string' ? { fileName: b.fileName } : {}),
				...(typeof b.caption === 'string' ? { caption: b.caption } : {})
			})],
		['POST', /^\/groups\/([^/]+)\/send$/, ([, id], b) => contact(str(b, 'from')).sendGroupText(decodeURIComponent(id!), str(b, 'text'))]
	]
	const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const path = new URL(req.url ?? '/', 'http://x').pathname
		try {
			for (const [method, re, fn] of routes) {
				const m = req.method === method ? re.exec(path) : null
				if (!m) continue
				return send(res, 200, (await fn([...m], await readJson(req))) ?? null)
			}
			send(res, 404, { error: `no route ${req.method} ${path}` })
		} catch (err) {
			send(res, err instanceof HttpError ? err.status : 500, { error: (err as Error).message })
		}
	}
	const server = createServer((req, res) => void handle(req, res))
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject)
		server.listen(port, host, () => resolve())
	})
	return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` } // TCP listener: AddressInfo
}

function send(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body)
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
	res.end(text)
}
