// Pre-key bundles: what a client uploads (`iq encrypt set`) and what a key fetch (`iq encrypt get <key>`) returns.
import { getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys'
import { childrenOf, contentBuffer } from './util.js'

export interface SignedPreKeyParts {
	id: Buffer
	value: Buffer
	signature: Buffer
}

export interface OneTimePreKey {
	id: Buffer
	value: Buffer
}

/** A device's published keys, kept as the raw wire bytes so they can be echoed back verbatim. */
export interface KeyBundle {
	registration: Buffer
	type: Buffer
	identity: Buffer
	skey: SignedPreKeyParts
	/** one-time pre-keys not handed out yet; each key fetch consumes one, like the real server */
	preKeys: OneTimePreKey[]
}

const need = (node: BinaryNode | undefined, what: string): Buffer => {
	const buf = contentBuffer(node)
	if (!buf) throw new Error(`pre-key upload without <${what}>`)
	return buf
}

const parseSkey = (skey: BinaryNode | undefined): SignedPreKeyParts => ({
	id: need(getBinaryNodeChild(skey, 'id'), 'skey/id'),
	value: need(getBinaryNodeChild(skey, 'value'), 'skey/value'),
	signature: need(getBinaryNodeChild(skey, 'signature'), 'skey/signature')
})

/**
 * Parse `<iq xmlns=encrypt type=set><registration/><type/><identity/><list><key>…</list><skey/></iq>`
 * and merge it into the previous bundle (a re-upload adds keys; identity/skey follow the latest upload).
 */
export function applyUpload(prev: KeyBundle | undefined, iq: BinaryNode): KeyBundle {
	const keys = childrenOf(getBinaryNodeChild(iq, 'list'), 'key').map(k => ({
		id: need(getBinaryNodeChild(k, 'id'), 'key/id'),
		value: need(getBinaryNodeChild(k, 'value'), 'key/value')
	}))
	const identity = need(getBinaryNodeChild(iq, 'identity'), 'identity')
	// a new identity means a new device state: old one-time keys are useless
	const keep = prev && prev.identity.equals(identity) ? prev.preKeys : []
	const known = new Set(keep.map(k => k.id.toString('hex')))
	return {
		registration: need(getBinaryNodeChild(iq, 'registration'), 'registration'),
		type: need(getBinaryNodeChild(iq, 'type'), 'type'),
		identity,
		skey: parseSkey(getBinaryNodeChild(iq, 'skey')),
		preKeys: [...keep, ...keys.filter(k => !known.has(k.id.toString('hex')))]
	}
}

/** `iq encrypt set <rotate><skey/></rotate>`: a new signed pre-key. */
export function applyRotate(prev: KeyBundle, iq: BinaryNode): KeyBundle {
	return { ...prev, skey: parseSkey(getBinaryNodeChild(getBinaryNodeChild(iq, 'rotate'), 'skey')) }
}

/** One `<user>` entry of a key-fetch answer; consumes one one-time pre-key when available. */
export function takeUserKeyNode(jid: string, bundle: KeyBundle): BinaryNode {
	const preKey = bundle.preKeys.shift()
	const content: BinaryNode[] = [
		{ tag: 'registration', attrs: {}, content: bundle.registration },
		{ tag: 'type', attrs: {}, content: bundle.type },
		{ tag: 'identity', attrs: {}, content: bundle.identity },
		{
			tag: 'skey',
			attrs: {},
			content: [
				{ tag: 'id', attrs: {}, content: bundle.skey.id },
				{ tag: 'value', attrs: {}, content: bundle.skey.value },
				{ tag: 'signature', attrs: {}, content: bundle.skey.signature }
			]
		}
	]
	if (preKey) {
		content.push({
			tag: 'key',
			attrs: {},
			content: [
				{ tag: 'id', attrs: {}, content: preKey.id },
				{ tag: 'value', attrs: {}, content: preKey.value }
			]
		})
	}
	return { tag: 'user', attrs: { jid }, content }
}

/** Wraps user key nodes the way a key-fetch iq result looks, for parseAndInjectE2ESessions. */
export const keyFetchResult = (users: BinaryNode[]): BinaryNode => ({
	tag: 'iq',
	attrs: { type: 'result' },
	content: [{ tag: 'list', attrs: {}, content: users }]
})
