// A real Signal device (Baileys' own libsignal repository on its own creds + key store), used by simulated contacts.
import {
	addTransactionCapability,
	BufferJSON,
	DEFAULT_CONNECTION_CONFIG,
	encodeBigEndian,
	encodeWAMessage,
	getNextPreKeys,
	initAuthCreds,
	parseAndInjectE2ESessions,
	proto,
	unpadRandomMax16,
	type AuthenticationCreds,
	type BinaryNode,
	type KeyPair,
	type SignalRepositoryWithLIDStore
} from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import { MemoryKeyStore } from './keystore.js'
import { keyFetchResult, takeUserKeyNode, type KeyBundle } from './prekeys.js'
import { SerialQueue } from './util.js'

const PREKEY_BATCH = 30

export interface SavedSignalDevice {
	creds: string
	store: string
	freePreKeyIds: number[]
}

export class SignalDevice {
	private readonly repo: SignalRepositoryWithLIDStore
	private readonly queue = new SerialQueue()

	private constructor(
		readonly creds: AuthenticationCreds,
		private readonly store: MemoryKeyStore,
		/** generated one-time pre-keys not handed out in a key fetch yet */
		private freePreKeyIds: number[],
		logger: Logger
	) {
		const keys = addTransactionCapability(store, logger, { maxCommitRetries: 1, delayBetweenTriesMs: 1 })
		// the 3rd argument resolves PN->LID through usync; simulated devices never need it
		this.repo = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds, keys }, logger, async () => [])
	}

	static create(logger: Logger): SignalDevice {
		return new SignalDevice(initAuthCreds(), new MemoryKeyStore(), [], logger)
	}

	static restore(saved: SavedSignalDevice, logger: Logger): SignalDevice {
		// written by save() with BufferJSON, so the shape is AuthenticationCreds
		const creds = JSON.parse(saved.creds, BufferJSON.reviver) as AuthenticationCreds
		return new SignalDevice(creds, MemoryKeyStore.deserialize(saved.store), saved.freePreKeyIds, logger)
	}

	save(): SavedSignalDevice {
		return { creds: JSON.stringify(this.creds, BufferJSON.replacer), store: this.store.serialize(), freePreKeyIds: this.freePreKeyIds }
	}

	/** Every crypto operation of this device goes through here: ratchets must not interleave. */
	run<T>(job: () => Promise<T>): Promise<T> {
		return this.queue.run(job)
	}

	/** Key-fetch `<user>` node for this device, consuming one one-time pre-key (generated in batches). */
	async takeKeyNode(jid: string): Promise<BinaryNode> {
		if (!this.freePreKeyIds.length) {
			const { update, preKeys } = await getNextPreKeys({ creds: this.creds, keys: this.store }, PREKEY_BATCH)
			Object.assign(this.creds, update)
			this.freePreKeyIds = Object.keys(preKeys).map(Number)
		}
		const id = this.freePreKeyIds.shift()!
		const pair: KeyPair | undefined = this.store.get('pre-key', [`${id}`])[`${id}`]
		const bundle: KeyBundle = {
			registration: Buffer.from(encodeBigEndian(this.creds.registrationId)),
			type: Buffer.from([5]),
			identity: Buffer.from(this.creds.signedIdentityKey.public),
			skey: {
				id: Buffer.from(encodeBigEndian(this.creds.signedPreKey.keyId, 3)),
				value: Buffer.from(this.creds.signedPreKey.keyPair.public),
				signature: Buffer.from(this.creds.signedPreKey.signature)
			},
			preKeys: pair ? [{ id: Buffer.from(encodeBigEndian(id, 3)), value: Buffer.from(pair.public) }] : []
		}
		return takeUserKeyNode(jid, bundle)
	}

	async hasSession(address: string): Promise<boolean> {
		return (await this.repo.validateSession(address)).exists
	}

	/** Start a session from the peer's published bundle (the next message will be a pkmsg). */
	async injectSession(userKeyNode: BinaryNode): Promise<void> {
		await parseAndInjectE2ESessions(keyFetchResult([userKeyNode]), this.repo)
	}

	async encrypt(address: string, message: proto.IMessage): Promise<{ type: 'pkmsg' | 'msg'; ciphertext: Uint8Array }> {
		return this.repo.encryptMessage({ jid: address, data: encodeWAMessage(message) })
	}

	async decrypt(address: string, type: 'pkmsg' | 'msg', ciphertext: Uint8Array): Promise<proto.Message> {
		const plain = await this.repo.decryptMessage({ jid: address, type, ciphertext })
		return proto.Message.decode(unpadRandomMax16(plain))
	}

	/** Sender-key encryption for a group; `meId` names our sender key (any stable jid). */
	async encryptGroup(group: string, meId: string, message: proto.IMessage): Promise<{ ciphertext: Uint8Array; skdm: Uint8Array }> {
		const r = await this.repo.encryptGroupMessage({ group, meId, data: encodeWAMessage(message) })
		return { ciphertext: r.ciphertext, skdm: r.senderKeyDistributionMessage }
	}

	async processSenderKey(authorJid: string, item: proto.Message.ISenderKeyDistributionMessage): Promise<void> {
		await this.repo.processSenderKeyDistributionMessage({ authorJid, item })
	}

	async decryptGroup(group: string, authorJid: string, ciphertext: Uint8Array): Promise<proto.Message> {
		const plain = await this.repo.decryptGroupMessage({ group, authorJid, msg: ciphertext })
		return proto.Message.decode(unpadRandomMax16(plain))
	}
}
