// A simulated contact's decryption failures and the retry receipts it sends for them, like a
// WhatsApp client showing "waiting for this message": simulated failures (`failDecrypts`) and real
// ones (Bad MAC, no session) both end in `<receipt type=retry>`, at most MAX_RETRIES per message.
import { encodeBigEndian, type BinaryNode } from '@whiskeysockets/baileys'
import { Inbox, unixTime } from './util.js'

/** WhatsApp clients give up asking for a message again after a few retries */
const MAX_RETRIES = 3

export class DecryptFailures {
	private failNext = 0
	private autoRetry = true
	/** undecryptable message id → the jid it was addressed to (the retry receipt comes "from" it) */
	private readonly addressedTo = new Map<string, string>()
	private readonly inbox = new Inbox<string>()
	/** retry receipts sent per message id */
	private readonly retries = new Map<string, number>()

	/** The next `n` messages fail; retry at once ('auto') or only when asked ('manual'). */
	simulate(n: number, retry: 'auto' | 'manual'): void {
		this.failNext = n
		this.autoRetry = retry === 'auto'
	}

	/** Consumes one simulated failure for message `id`; returns whether to ask for a retry now, or undefined if none was due. */
	takeSimulated(id: string, addressedTo: string): { retryNow: boolean } | undefined {
		if (this.failNext <= 0) return undefined
		this.failNext--
		this.record(id, addressedTo)
		return { retryNow: this.autoRetry }
	}

	/** A real failure: the retry count to ask with, or undefined once the message is given up. */
	nextRetry(id: string, addressedTo: string): number | undefined {
		const count = (this.retries.get(id) ?? 0) + 1
		if (count > MAX_RETRIES) return undefined
		this.retries.set(id, count)
		this.record(id, addressedTo)
		return count
	}

	ids(): string[] {
		return [...this.addressedTo.keys()]
	}

	wait(pred: (id: string) => boolean, timeoutMs: number, what: string): Promise<string> {
		return this.inbox.wait(pred, timeoutMs, what)
	}

	addressOf(id: string): string | undefined {
		return this.addressedTo.get(id)
	}

	private record(id: string, addressedTo: string): void {
		this.addressedTo.set(id, addressedTo)
		this.inbox.push(id)
	}
}

/** `<receipt type=retry><retry count id t v=1/><registration/></receipt>` from `from` about message `id`. */
export function retryReceipt(from: string, id: string, count: number, registrationId: number): BinaryNode {
	const t = unixTime()
	return {
		tag: 'receipt',
		attrs: { from, id, type: 'retry', t },
		content: [
			{ tag: 'retry', attrs: { count: `${count}`, id, t, v: '1' } },
			{ tag: 'registration', attrs: {}, content: Buffer.from(encodeBigEndian(registrationId)) }
		]
	}
}
