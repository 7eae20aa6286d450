// Phone side of "link with phone number" (8-character pairing code), mirroring messages-recv.js / socket.js of Baileys.
import { randomBytes } from 'node:crypto'
import {
	aesDecryptCTR,
	aesDecryptGCM,
	aesEncryptCTR,
	Curve,
	derivePairingCodeKey,
	hkdf,
	type KeyPair
} from '@whiskeysockets/baileys'

/** salt(32) ‖ iv(16) ‖ AES-256-CTR(pub32) under PBKDF2(code, salt): the wrapping both sides use for ephemerals. */
export async function unwrapWithCode(code: string, wrapped: Buffer): Promise<Buffer> {
	if (wrapped.length < 80) throw new Error('pairing code: wrapped key too short')
	const key = await derivePairingCodeKey(code, wrapped.subarray(0, 32))
	return aesDecryptCTR(wrapped.subarray(48, 80), key, wrapped.subarray(32, 48))
}

export async function wrapWithCode(code: string, pub: Uint8Array): Promise<Buffer> {
	const salt = randomBytes(32)
	const iv = randomBytes(16)
	return Buffer.concat([salt, iv, aesEncryptCTR(pub, await derivePairingCodeKey(code, salt), iv)])
}

export interface PrimaryHello {
	primaryEphemeral: KeyPair
	companionEphemeralPub: Buffer
	wrappedPrimaryEphemeral: Buffer
}

/** The phone "types" the code: recover the companion ephemeral and wrap our own for the primary_hello. */
export async function makePrimaryHello(code: string, wrappedCompanionEphemeral: Buffer): Promise<PrimaryHello> {
	const companionEphemeralPub = await unwrapWithCode(code, wrappedCompanionEphemeral)
	const primaryEphemeral = Curve.generateKeyPair()
	return { primaryEphemeral, companionEphemeralPub, wrappedPrimaryEphemeral: await wrapWithCode(code, primaryEphemeral.public) }
}

/**
 * companion_finish: decrypt the key bundle (salt32 ‖ iv12 ‖ AES-GCM) and derive the ADV secret the
 * companion derived. A wrong code gives a wrong shared secret, so the GCM check throws here.
 */
export function finishCodePairing(
	hello: PrimaryHello,
	phoneIdentity: KeyPair,
	wrappedKeyBundle: Buffer,
	companionIdentity: Buffer
): { advSecret: Buffer; clientIdentity: Buffer } {
	const companionShared = Curve.sharedKey(hello.primaryEphemeral.private, hello.companionEphemeralPub)
	const key = hkdf(companionShared, 32, { salt: wrappedKeyBundle.subarray(0, 32), info: 'link_code_pairing_key_bundle_encryption_key' })
	const plain = aesDecryptGCM(wrappedKeyBundle.subarray(44), Buffer.from(key), wrappedKeyBundle.subarray(32, 44), Buffer.alloc(0))
	const clientIdentity = plain.subarray(0, 32)
	const primaryIdentity = plain.subarray(32, 64)
	const random = plain.subarray(64, 96)
	if (!clientIdentity.equals(companionIdentity) || !primaryIdentity.equals(Buffer.from(phoneIdentity.public))) {
		throw new Error('pairing code: key bundle identities do not match')
	}
	const identityShared = Curve.sharedKey(phoneIdentity.private, clientIdentity)
	const advSecret = Buffer.from(hkdf(Buffer.concat([companionShared, identityShared, random]), 32, { info: 'adv_secret' }))
	return { advSecret, clientIdentity: Buffer.from(clientIdentity) }
}
