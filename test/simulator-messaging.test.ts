// Simulator: 1:1 messaging both ways (Signal), media over the HTTPS media host, receipts — REAL Baileys client.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { downloadMediaMessage, proto } from '@whiskeysockets/baileys'
import { PROFILE_JPEG } from '../src/simulator/media-host.js'
import { Simulator, type SimContact } from '../src/simulator/index.js'
import { SimTestClient } from '../src/simulator/testing.js'

let sim: Simulator
let client: SimTestClient
let phone: string
let alice: SimContact

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/**
 * A status change of a sent message. Baileys reports a receipt as messages.update, or folds it into
 * its own 'append' upsert when that upsert is still buffered (its message mutex can lag): accept either.
 */
const waitForStatus = (id: string, status: proto.WebMessageInfo.Status, after: number): Promise<unknown> =>
	Promise.race([
		client.waitEvent('messages.update', us => us.some(u => u.key.id === id && u.update.status === status), { after, what: `status ${status} update` }),
		client.waitEvent('messages.upsert', u => u.messages.some(m => m.key.id === id && m.status === status), { after, what: `status ${status} in the upsert` })
	])

before(async () => {
	sim = await Simulator.start()
	client = new SimTestClient(sim)
	phone = await client.linkWithQr('15552000001')
	alice = await sim.createContact({ number: '15552000101', name: 'Alice' })
})

after(async () => {
	await client.close()
	await sim.stop()
})

describe('text', { timeout: 30000 }, () => {
	test('gateway -> contact: decrypted by the contact, delivery receipt updates the status', async () => {
		const mark = client.mark()
		const sent = await client.sock!.sendMessage(alice.jid, { text: 'hello alice' })
		const got = await alice.waitForMessage(m => m.id === sent!.key.id)
		assert.equal(got.type, 'text')
		assert.equal(got.text, 'hello alice')
		assert.equal(got.from, `${phone}@s.whatsapp.net`)
		assert.equal(got.to, alice.jid)
		assert.equal(got.chat, alice.jid)
		await waitForStatus(sent!.key.id!, proto.WebMessageInfo.Status.DELIVERY_ACK, mark)
	})

	test('contact -> gateway: messages.upsert with the text, push name and LID alt', async () => {
		const bob = await sim.createContact({ number: '15552000102', name: 'Bob' })
		// bob never talked to the gateway: his first message is a pkmsg built from the uploaded pre-keys
		const { id } = await bob.sendText(phone, 'hi from bob')
		const m = await client.waitForIncoming(x => x.key.id === id)
		assert.equal(m.message?.conversation, 'hi from bob')
		assert.equal(m.key.remoteJid, bob.jid)
		assert.equal(m.key.remoteJidAlt, bob.lid)
		assert.equal(m.pushName, 'Bob')
		const reply = await bob.sendText(phone, 'second one', { quoted: { id, text: 'hi from bob' } })
		const r = await client.waitForIncoming(x => x.key.id === reply.id)
		assert.equal(r.message?.extendedTextMessage?.text, 'second one')
		assert.equal(r.message?.extendedTextMessage?.contextInfo?.stanzaId, id)
	})

	test('conversation both ways keeps the Signal sessions in step', async () => {
		for (let i = 0; i < 3; i++) {
			const out = await client.sock!.sendMessage(alice.jid, { text: `ping ${i}` })
			await alice.waitForMessage(m => m.id === out!.key.id)
			const { id } = await alice.sendText(phone, `pong ${i}`)
			const m = await client.waitForIncoming(x => x.key.id === id)
			assert.equal(m.message?.conversation, `pong ${i}`)
		}
	})

	test('echo contact answers every text', async () => {
		const echo = await sim.createContact({ number: '15552000103', echo: true })
		await client.sock!.sendMessage(echo.jid, { text: 'marco' })
		const m = await client.waitForIncoming(x => x.key.remoteJid === echo.jid)
		assert.equal(m.message?.conversation, 'echo: marco')
	})

	test('read receipts from the gateway reach the contact', async () => {
		const { id } = await alice.sendText(phone, 'read me')
		const m = await client.waitForIncoming(x => x.key.id === id)
		await client.sock!.readMessages([m.key])
		const r = await alice.waitForReceipt(x => x.id === id && x.type === 'read')
		assert.equal(r.from, `${phone}@s.whatsapp.net`)
	})

	test('the contact marks a message read and types: READ status and presence.update', async () => {
		const mark = client.mark()
		const sent = await client.sock!.sendMessage(alice.jid, { text: 'did you read this?' })
		await alice.waitForMessage(m => m.id === sent!.key.id)
		alice.markRead(phone, [sent!.key.id!])
		await waitForStatus(sent!.key.id!, proto.WebMessageInfo.Status.READ, mark)
		await client.sock!.presenceSubscribe(alice.jid)
		alice.sendChatState(phone, 'composing')
		const p = await client.waitEvent('presence.update', u => u.id === alice.jid, { after: mark })
		assert.equal(p.presences[alice.jid]?.lastKnownPresence, 'composing')
	})

	test('two gateway accounts talk to each other (server relays between companions)', async () => {
		const other = new SimTestClient(sim)
		try {
			const otherPhone = await other.linkWithQr('15552000002')
			const sent = await client.sock!.sendMessage(`${otherPhone}@s.whatsapp.net`, { text: 'hello other account' })
			const got = await other.waitForIncoming(m => m.key.id === sent!.key.id)
			assert.equal(got.message?.conversation ?? got.message?.extendedTextMessage?.text, 'hello other account')
			assert.equal(got.key.remoteJid, `${phone}@s.whatsapp.net`)
			const back = await other.sock!.sendMessage(`${phone}@s.whatsapp.net`, { text: 'hello back' })
			const m = await client.waitForIncoming(x => x.key.id === back!.key.id)
			assert.equal(m.message?.extendedTextMessage?.text ?? m.message?.conversation, 'hello back')
			const group = await client.sock!.groupCreate('two accounts', [`${otherPhone}@s.whatsapp.net`, alice.jid])
			const g = await client.sock!.sendMessage(group.id, { text: 'group hello' })
			const gm = await other.waitForIncoming(x => x.key.id === g!.key.id)
			assert.equal(gm.key.remoteJid, group.id)
			assert.equal(gm.message?.extendedTextMessage?.text ?? gm.message?.conversation, 'group hello')
			assert.equal((await alice.waitForMessage(x => x.id === g!.key.id)).text, 'group hello')
		} finally {
			await other.close()
		}
	})

	test('messages for an offline account are delivered on its next login', async () => {
		const mark = client.mark()
		client.end()
		await client.waitForClose(mark)
		const { id } = await alice.sendText(phone, 'while you were away')
		const again = client.mark()
		client.autoRestart = true
		client.start()
		const m = await client.waitForIncoming(x => x.key.id === id, { after: again })
		assert.equal(m.message?.conversation, 'while you were away')
	})
})

describe('media', { timeout: 30000 }, () => {
	test('contact -> gateway image: downloadMediaMessage returns the exact bytes', async () => {
		const { id } = await alice.sendMedia(phone, { data: PROFILE_JPEG, mimetype: 'image/jpeg', caption: 'a picture' })
		const m = await client.waitForIncoming(x => x.key.id === id)
		assert.equal(m.message?.imageMessage?.caption, 'a picture')
		assert.ok(m.message?.imageMessage?.url?.startsWith(`https://${sim.mediaHost}/`))
		const buf = await downloadMediaMessage(m, 'buffer', client.downloadOptions)
		assert.ok(buf.equals(PROFILE_JPEG))
	})

	test('contact -> gateway document (300 KB) and voice note', async () => {
		const data = randomBytes(300 * 1024)
		const doc = await alice.sendMedia(phone, { data, mimetype: 'application/pdf', fileName: 'report.pdf', caption: 'the report' })
		const m = await client.waitForIncoming(x => x.key.id === doc.id)
		assert.equal(m.message?.documentMessage?.fileName, 'report.pdf')
		const buf = await downloadMediaMessage(m, 'buffer', client.downloadOptions)
		assert.equal(sha(buf), sha(data))
		const voice = randomBytes(4000)
		const ptt = await alice.sendMedia(phone, { data: voice, mimetype: 'audio/ogg; codecs=opus', ptt: true })
		const a = await client.waitForIncoming(x => x.key.id === ptt.id)
		assert.equal(a.message?.audioMessage?.ptt, true)
		assert.ok((await downloadMediaMessage(a, 'buffer', client.downloadOptions)).equals(voice))
	})

	test('gateway -> contact image and document: the contact gets identical bytes', async () => {
		const sent = await client.sock!.sendMessage(alice.jid, { image: PROFILE_JPEG, caption: 'from the gateway' })
		const got = await alice.waitForMessage(m => m.id === sent!.key.id)
		assert.equal(got.type, 'image')
		assert.equal(got.caption, 'from the gateway')
		assert.equal(got.mediaError, undefined)
		assert.ok(got.media?.data.equals(PROFILE_JPEG))
		assert.equal(got.media?.sha256, sha(PROFILE_JPEG))
		assert.equal(got.media?.size, PROFILE_JPEG.length)
		const data = randomBytes(200 * 1024)
		const doc = await client.sock!.sendMessage(alice.jid, { document: data, mimetype: 'application/zip', fileName: 'x.zip' })
		const d = await alice.waitForMessage(m => m.id === doc!.key.id)
		assert.equal(d.type, 'document')
		assert.equal(d.media?.fileName, 'x.zip')
		assert.equal(d.media?.mimetype, 'application/zip')
		assert.equal(d.media?.sha256, sha(data))
	})
})

describe('message kinds', { timeout: 30000 }, () => {
	test('reaction, edit, revoke, poll, location, contact card are classified', async () => {
		const sock = client.sock!
		const base = await sock.sendMessage(alice.jid, { text: 'original' })
		const baseId = base!.key.id!
		await alice.waitForMessage(m => m.id === baseId)
		// fresh key copies: Baileys may write into the key object it is given
		const key = () => ({ ...base!.key })
		const cases: [string, Parameters<typeof sock.sendMessage>[1]][] = [
			['reaction', { react: { text: '👍', key: key() } }],
			['edit', { text: 'edited', edit: key() }],
			['revoke', { delete: key() }],
			['poll', { poll: { name: 'Lunch?', values: ['yes', 'no'], selectableCount: 1 } }],
			['location', { location: { degreesLatitude: 1.5, degreesLongitude: 2.5, name: 'Somewhere' } }],
			['contact', { contacts: { displayName: 'Zed', contacts: [{ vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Zed\nEND:VCARD' }] } }]
		]
		for (const [type, content] of cases) {
			const sent = await sock.sendMessage(alice.jid, content)
			const got = await alice.waitForMessage(m => m.id === sent!.key.id)
			assert.equal(got.type, type, `type for ${type}`)
		}
		const texts = alice.received()
		assert.equal(texts.find(m => m.type === 'reaction')?.message.reactionMessage?.key?.id, baseId)
		assert.equal(texts.find(m => m.type === 'revoke')?.message.protocolMessage?.key?.id, baseId)
		assert.equal(texts.find(m => m.type === 'edit')?.text, 'edited')
		const poll = texts.find(m => m.type === 'poll')!.message
		const options = (poll.pollCreationMessageV3 ?? poll.pollCreationMessage)?.options?.map(o => o.optionName)
		assert.deepEqual(options, ['yes', 'no'])
		assert.equal(texts.find(m => m.type === 'location')?.message.locationMessage?.degreesLatitude, 1.5)
		assert.match(texts.find(m => m.type === 'contact')?.message.contactMessage?.vcard ?? '', /FN:Zed/)
	})

	test('interactive kinds are unwrapped from viewOnce / documentWithCaption wrappers', async () => {
		const sock = client.sock!
		const cases: [string, proto.IMessage, string | undefined][] = [
			['interactive', { viewOnceMessage: { message: { interactiveMessage: { body: { text: 'pick one' } } } } }, 'pick one'],
			['buttons', { buttonsMessage: { contentText: 'press', buttons: [{ buttonId: 'b1', buttonText: { displayText: 'B1' }, type: 1 }] } }, 'press'],
			['list', { viewOnceMessageV2: { message: { listMessage: { title: 'menu', description: 'choose', buttonText: 'open', listType: 1 } } } }, 'choose'],
			['template', { templateMessage: { hydratedTemplate: { hydratedContentText: 'tmpl' } } }, 'tmpl']
		]
		for (const [type, message, text] of cases) {
			const id = await sock.relayMessage(alice.jid, message, {})
			const got = await alice.waitForMessage(m => m.id === id)
			assert.equal(got.type, type)
			assert.equal(got.text, text)
		}
	})

	test('the contact-message event fires for each received message', async () => {
		const seen = new Promise<string>(resolve => sim.once('contact-message', m => resolve(m.text ?? '')))
		await client.sock!.sendMessage(alice.jid, { text: 'event please' })
		assert.equal(await seen, 'event please')
	})
})
