// Simulator: groups (w:g2 iqs, w:gp2 notifications, sender-key fan-out) with the REAL Baileys client.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Simulator, type SimContact } from '../src/simulator/index.js'
import { SimTestClient } from '../src/simulator/testing.js'

let sim: Simulator
let client: SimTestClient
let phone: string
let a: SimContact
let b: SimContact
let d: SimContact
let gid: string

before(async () => {
	sim = await Simulator.start()
	client = new SimTestClient(sim)
	phone = await client.linkWithQr('15553000001')
	a = await sim.createContact({ number: '15553000101', name: 'A' })
	b = await sim.createContact({ number: '15553000102', name: 'B' })
	d = await sim.createContact({ number: '15553000104', name: 'D' })
	await sim.createContact({ number: '15553000103', onWhatsApp: false })
})

after(async () => {
	await client.close()
	await sim.stop()
})

describe('groups', { timeout: 30000 }, () => {
	test('create + metadata + participating', async () => {
		const sock = client.sock!
		const meta = await sock.groupCreate('Sim Group', [a.jid, b.jid, '15553000103@s.whatsapp.net'])
		gid = meta.id
		assert.match(gid, /^\d+@g\.us$/)
		assert.equal(meta.subject, 'Sim Group')
		assert.equal(meta.participants.length, 3, 'the number not on WhatsApp is left out')
		assert.equal(meta.participants.find(p => p.phoneNumber === `${phone}@s.whatsapp.net`)?.admin, 'superadmin')
		const g = sim.group(gid)!
		assert.equal(g.id, gid)
		assert.deepEqual(g.participants.map(p => p.jid), [`${phone}@s.whatsapp.net`, a.jid, b.jid])
		assert.equal(sim.group(gid.split('@')[0]!)?.id, gid, 'group() accepts the bare id')
		const again = await sock.groupMetadata(gid)
		assert.equal(again.subject, 'Sim Group')
		assert.equal(again.owner, sim.account(phone)!.lid)
		const all = await sock.groupFetchAllParticipating()
		assert.ok(all[gid])
	})

	test('group text is decrypted by every member contact (sender keys)', async () => {
		for (const text of ['hello group', 'second message, sender key already known']) {
			const sent = await client.sock!.sendMessage(gid, { text })
			const [ma, mb] = await Promise.all([a, b].map(c => c.waitForMessage(m => m.id === sent!.key.id)))
			for (const m of [ma!, mb!]) {
				assert.equal(m.text, text)
				assert.equal(m.chat, gid)
				assert.equal(m.from, `${phone}@s.whatsapp.net`)
			}
		}
	})

	test('a contact sends to the group: messages.upsert with participant + participantAlt', async () => {
		const { id } = await b.sendGroupText(gid, 'hi group from B')
		const m = await client.waitForIncoming(x => x.key.id === id)
		assert.equal(m.key.remoteJid, gid)
		assert.equal(m.key.participant, b.lid)
		assert.equal(m.key.participantAlt, b.jid)
		assert.equal(m.message?.conversation, 'hi group from B')
	})

	test('participants add / promote / demote / remove with per-participant status', async () => {
		const sock = client.sock!
		const added = await sock.groupParticipantsUpdate(gid, [d.jid, a.jid, '15553000103@s.whatsapp.net'], 'add')
		assert.deepEqual(added.map(r => r.status), ['200', '409', '404'])
		assert.ok(sim.group(gid)!.participants.some(p => p.jid === d.jid))
		// the new member gets the sender key with the next message
		const sent = await sock.sendMessage(gid, { text: 'welcome D' })
		assert.equal((await d.waitForMessage(m => m.id === sent!.key.id)).text, 'welcome D')

		assert.deepEqual((await sock.groupParticipantsUpdate(gid, [a.jid], 'promote')).map(r => r.status), ['200'])
		assert.equal(sim.group(gid)!.participants.find(p => p.jid === a.jid)?.admin, 'admin')
		await sock.groupParticipantsUpdate(gid, [a.jid], 'demote')
		assert.equal(sim.group(gid)!.participants.find(p => p.jid === a.jid)?.admin, null)

		const removed = await sock.groupParticipantsUpdate(gid, [b.jid], 'remove')
		assert.deepEqual(removed.map(r => r.status), ['200'])
		assert.equal(sim.group(gid)!.participants.some(p => p.jid === b.jid), false)
		await assert.rejects(b.sendGroupText(gid, 'not a member'), /not in/)
	})

	test('subject, description, settings, invite code', async () => {
		const sock = client.sock!
		const mark = client.mark()
		await sock.groupUpdateSubject(gid, 'Renamed')
		await sock.groupUpdateDescription(gid, 'about us')
		await sock.groupSettingUpdate(gid, 'announcement')
		await sock.groupSettingUpdate(gid, 'locked')
		const g = sim.group(gid)!
		assert.equal(g.subject, 'Renamed')
		assert.equal(g.description, 'about us')
		assert.equal(g.announce, true)
		assert.equal(g.restrict, true)
		const meta = await sock.groupMetadata(gid)
		assert.equal(meta.desc, 'about us')
		assert.equal(meta.announce, true)
		assert.equal(meta.restrict, true)
		// w:gp2 notifications come back to the account as well
		await client.waitEvent('groups.update', us => us.some(u => u.id === gid && u.subject === 'Renamed'), { after: mark })
		const code = await sock.groupInviteCode(gid)
		assert.equal(code, g.inviteCode)
		const revoked = await sock.groupRevokeInvite(gid)
		assert.notEqual(revoked, code)
		assert.equal(sim.group(gid)!.inviteCode, revoked)
	})

	test('changes made by a contact arrive as w:gp2 notifications', async () => {
		const created = client.mark()
		const g2 = sim.createGroup(a.number, 'Made by A', [phone, d.number])
		await client.waitEvent('groups.upsert', gs => gs.some(g => g.id === g2.id && g.subject === 'Made by A'), { after: created })
		const mark = client.mark()
		assert.deepEqual(sim.groupParticipantsUpdate(g2.id, a.number, [b.number], 'add'), [{ jid: b.jid, status: '200' }])
		const ev = await client.waitEvent('group-participants.update', u => u.id === g2.id && u.action === 'add', { after: mark })
		assert.equal(ev.participants[0]?.phoneNumber, b.jid)
		sim.groupUpdateSubject(g2.id, a.number, 'Renamed by A')
		assert.equal((await client.sock!.groupMetadata(g2.id)).subject, 'Renamed by A')
	})

	test('join by invite code, then leave', async () => {
		const other = new SimTestClient(sim)
		try {
			const otherPhone = await other.linkWithQr('15553000002')
			const code = sim.group(gid)!.inviteCode
			const joined = await other.sock!.groupAcceptInvite(code)
			assert.equal(joined, gid)
			assert.ok(sim.group(gid)!.participants.some(p => p.jid === `${otherPhone}@s.whatsapp.net`))
			await other.sock!.groupLeave(gid)
			assert.equal(sim.group(gid)!.participants.some(p => p.jid === `${otherPhone}@s.whatsapp.net`), false)
		} finally {
			await other.close()
		}
	})
})
