// Small shared helpers: time, ids, binary-node builders, a serial queue and an event-driven inbox.
import { randomBytes } from 'node:crypto'
import { getBinaryNodeChildren, type BinaryNode } from '@whiskeysockets/baileys'

export const SERVER_JID = 's.whatsapp.net'

/** Unix seconds as the decimal string WhatsApp puts in `t` attributes. */
export const unixTime = (): string => `${Math.floor(Date.now() / 1000)}`

/** Message ids in the style of WhatsApp phones (`3EB0` + hex), unique enough for a simulation. */
export const newMessageId = (): string => `3EB0${randomBytes(9).toString('hex').toUpperCase()}`

/** Children of a node that are themselves nodes (content may also be bytes or a string). */
export const childNodes = (node: BinaryNode | undefined): BinaryNode[] =>
	Array.isArray(node?.content) ? node.content : []

export const firstChild = (node: BinaryNode | undefined): BinaryNode | undefined => childNodes(node)[0]

export const childrenOf = getBinaryNodeChildren

/** Content of a node as a Buffer (binary nodes carry either bytes or strings). */
export const contentBuffer = (node: BinaryNode | undefined): Buffer | undefined => {
	if (!node) return undefined
	if (node.content instanceof Uint8Array) return Buffer.from(node.content)
	if (typeof node.content === 'string') return Buffer.from(node.content, 'utf8')
	return undefined
}

export const contentString = (node: BinaryNode | undefined): string | undefined => contentBuffer(node)?.toString('utf8')

/** `<iq type=result>` answering `req`; `from` defaults to the request's `to` (group iqs answer from the group). */
export const iqResult = (req: BinaryNode, content?: BinaryNode[], from?: string): BinaryNode => ({
	tag: 'iq',
	attrs: { from: from ?? req.attrs.to ?? SERVER_JID, type: 'result', id: req.attrs.id ?? '' },
	...(content ? { content } : {})
})

/** `<iq type=error><error code text/></iq>`: Baileys' `query` turns it into a Boom with that status code. */
export const iqError = (req: BinaryNode, code: number, text: string): BinaryNode => ({
	tag: 'iq',
	attrs: { from: req.attrs.to ?? SERVER_JID, type: 'error', id: req.attrs.id ?? '' },
	content: [{ tag: 'error', attrs: { code: `${code}`, text } }]
})

/** Runs async jobs one after another (Signal ratchets and key stores must not interleave). */
export class SerialQueue {
	private tail: Promise<unknown> = Promise.resolve()

	run<T>(job: () => Promise<T>): Promise<T> {
		const result = this.tail.then(job)
		this.tail = result.catch(() => undefined)
		return result
	}
}

/** Timer-guarded promise: rejects with `message` after `ms` unless settled first. */
export const withTimeout = <T>(p: Promise<T>, ms: number, message: string): Promise<T> =>
	new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(message)), ms)
		p.then(
			v => {
				clearTimeout(timer)
				resolve(v)
			},
			(e: unknown) => {
				clearTimeout(timer)
				reject(e)
			}
		)
	})

interface Waiter<T> {
	pred: (item: T) => boolean
	resolve: (item: T) => void
}

/**
 * Append-only list with predicate waiters: `wait` resolves on an item already present
 * or on the first future one that matches; no polling.
 */
export class Inbox<T> {
	private readonly items: T[] = []
	private readonly waiters = new Set<Waiter<T>>()

	push(item: T): void {
		this.items.push(item)
		for (const w of [...this.waiters]) {
			if (w.pred(item)) {
				this.waiters.delete(w)
				w.resolve(item)
			}
		}
	}

	all(): T[] {
		return [...this.items]
	}

	wait(pred: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
		const found = this.items.find(pred)
		if (found !== undefined) return Promise.resolve(found)
		return new Promise<T>((resolve, reject) => {
			const waiter: Waiter<T> = {
				pred,
				resolve: item => {
					clearTimeout(timer)
					resolve(item)
				}
			}
			const timer = setTimeout(() => {
				this.waiters.delete(waiter)
				reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.items.length} seen so far)`))
			}, timeoutMs)
			this.waiters.add(waiter)
		})
	}
}

/** A promise with its resolve/reject exposed (for flows that complete on a later stanza). */
export interface Deferred<T> {
	promise: Promise<T>
	resolve: (v: T) => void
	reject: (e: Error) => void
}

export const deferred = <T>(): Deferred<T> => {
	let resolve!: (v: T) => void
	let reject!: (e: Error) => void
	const promise = new Promise<T>((res, rej) => {
		resolve = res
		reject = rej
	})
	// callers may never await (e.g. a flow abandoned on close); avoid unhandled rejections
	promise.catch(() => undefined)
	return { promise, resolve, reject }
}
