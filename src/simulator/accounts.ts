// Simulated WhatsApp accounts (a phone number whose "phone" links one companion device: the gateway's Baileys socket).
import { createHash } from 'node:crypto'
import {
	Curve,
	hmacSign,
	proto,
	WA_ADV_ACCOUNT_SIG_PREFIX,
	type BinaryNode,
	type KeyPair
} from '@whiskeysockets/baileys'
import type { SimConnection } from './connection.js'
import type { HistorySpec } from './history.js'
import type { KeyBundle } from './prekeys.js'
import type { SimAccount } from './types.js'
import { SERVER_JID, unixTime } from './util.js'

export interface AccountState {
	phone: string
	/** LID user part (no server), fixed for the account */
	lid: string
	/** the phone's ADV account key: signs companion identities; also the phone's identity in code pairing */
	accountKey: KeyPair
	/** device id of the linked companion; undefined when nothing is linked (never paired / logged out) */
	deviceId?: number
	nextDeviceId: number
	/** the companion's static noise key, checked on every login like the real server does */
	noiseKey?: Buffer
	/** the companion's published pre-keys (from its `iq encrypt set` upload) */
	bundle?: KeyBundle
	/** a "pre-keys low" notification went out; cleared by the next upload */
	lowPreKeysNotified?: boolean
	connection?: SimConnection
	/** stanzas for the companion while it is offline; delivered before `<ib><offline/>` on login */
	offline: BinaryNode[]
	/** history the phone still owes a newly linked companion (pushed once it uploaded pre-keys) */
	history?: HistorySpec
}

/** Deterministic 15-digit LID for a number; `salt` only changes on a (very unlikely) collision. */
export const lidFor = (phone: string, salt = 0): string => {
	const h = createHash('sha256').update(`lid:${phone}:${salt}`).digest()
	return `1${(h.readBigUInt64BE(0) % 10n ** 14n).toString().padStart(14, '0')}`
}

export const pnJid = (user: string): string => `${user}@${SERVER_JID}`
export const lidJid = (user: string): string => `${user}@lid`

export class AccountRegistry {
	private readonly byPhone = new Map<string, AccountState>()
	private readonly byLidUser = new Map<string, AccountState>()
	private seq = 0

	constructor(private readonly isTaken: (user: string) => boolean) {}

	get(phone: string): AccountState | undefined {
		return this.byPhone.get(phone)
	}

	byLid(lidUser: string): AccountState | undefined {
		return this.byLidUser.get(lidUser)
	}

	all(): AccountState[] {
		return [...this.byPhone.values()]
	}

	/** An unused number for a phone that scans without saying which number it has. */
	freshPhone(): string {
		let phone: string
		do phone = `1555${`${7000000 + ++this.seq}`}`
		while (this.isTaken(phone))
		return phone
	}

	ensure(phone: string): AccountState {
		const existing = this.byPhone.get(phone)
		if (existing) return existing
		let salt = 0
		let lid = lidFor(phone)
		while (this.isTaken(lid)) lid = lidFor(phone, ++salt)
		return this.add({ phone, lid, accountKey: Curve.generateKeyPair(), nextDeviceId: 1, offline: [] })
	}

	add(state: AccountState): AccountState {
		this.byPhone.set(state.phone, state)
		this.byLidUser.set(state.lid, state)
		return state
	}
}

export const accountView = (a: AccountState): SimAccount => ({
	phone: a.phone,
	jid: pnJid(a.phone),
	lid: lidJid(a.lid),
	deviceId: a.deviceId,
	deviceJid: a.deviceId !== undefined ? `${a.phone}:${a.deviceId}@${SERVER_JID}` : undefined,
	linked: a.deviceId !== undefined,
	connected: !!a.connection && !a.connection.closed,
	preKeysLeft: a.bundle?.preKeys.length ?? 0
})

/** Signal address under which simulated peers keep their session with the account's companion. */
export const companionAddress = (a: AccountState): string => `${a.lid}:${a.deviceId ?? 0}@lid`

/**
 * `<iq><pair-success>` as the phone's server relays it. Baileys checks (validate-connection.js):
 * HMAC-SHA256(advSecret, details) and the account signature over [6,0] ‖ device details ‖ client identity.
 */
export function buildPairSuccess(account: AccountState, deviceId: number, clientIdentity: Uint8Array, advSecret: Uint8Array): BinaryNode {
	const deviceDetails = proto.ADVDeviceIdentity.encode({
		rawId: Number.parseInt(account.lid.slice(-6), 10),
		timestamp: Math.floor(Date.now() / 1000),
		keyIndex: deviceId
	}).finish()
	const accountSignature = Curve.sign(account.accountKey.private, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, deviceDetails, clientIdentity]))
	const details = proto.ADVSignedDeviceIdentity.encode({
		details: deviceDetails,
		accountSignatureKey: account.accountKey.public,
		accountSignature
	}).finish()
	const hmac = hmacSign(details, advSecret)
	return {
		tag: 'iq',
		attrs: { from: SERVER_JID, type: 'set', id: `pair-${account.phone}-${deviceId}`, t: unixTime() },
		content: [
			{
				tag: 'pair-success',
				attrs: {},
				content: [
					{ tag: 'device-identity', attrs: {}, content: proto.ADVSignedDeviceIdentityHMAC.encode({ details, hmac }).finish() },
					{ tag: 'platform', attrs: { name: 'android' } },
					{ tag: 'device', attrs: { jid: `${account.phone}:${deviceId}@${SERVER_JID}`, lid: `${account.lid}:${deviceId}@lid` } }
				]
			}
		]
	}
}
