// Simulator: linking and connection lifecycle, driven by the REAL Baileys client (see src/simulator/testing.ts).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DisconnectReason } from '@whiskeysockets/baileys'
import { Simulator } from '../src/simulator/index.js'
import { SimTestClient } from '../src/simulator/testing.js'

let sim: Simulator
const clients: SimTestClient[] = []
/** a simulator event as a promise, failing with a clear message after `ms` */
const simEvent = <T>(name: string, ms = 5000): Promise<T> =>
	new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for simulator event ${name}`)), ms)
		sim.once(name, (...args: unknown[]) => {
			clearTimeout(timer)
			resolve(args[0] as T) // the caller names the event, so it knows its payload type
		})
	})

const newClient = (): SimTestClient => {
	const c = new SimTestClient(sim)
	clients.push(c)
	return c
}

before(async () => {
	sim = await Simulator.start()
})

after(async () => {
	await Promise.all(clients.map(c => c.close()))
	await sim.stop()
})

describe('linking', { timeout: 60000 }, () => {
	test('QR is emitted, the phone scans it, 515 restart, then the socket opens', async () => {
		const client = newClient()
		const mark = client.mark()
		client.start()
		const qr = await client.waitForQr(mark)
		assert.match(qr, /^https:\/\/wa\.me\/settings\/linked_devices#sim-ref-/)
		const { phone } = await sim.scanQr(qr, '15551230001', { history: false }) // a history push would take one pre-key
		assert.equal(phone, '15551230001')
		assert.equal(await client.waitForClose(mark), DisconnectReason.restartRequired)
		await client.waitForOpen(mark)
		assert.equal(client.creds.me?.id, '15551230001:1@s.whatsapp.net')
		assert.equal(client.creds.me?.lid, `${sim.account(phone)!.lid.split('@')[0]}:1@lid`)
		assert.equal(client.creds.registered || !!client.creds.account, true)
		const account = sim.account(phone)!
		assert.equal(account.connected, true)
		assert.equal(account.deviceId, 1)
		assert.equal(account.preKeysLeft, 812, 'the pre-key upload is kept for peers')
	})

	test('scanning without a number creates an account with a generated number', async () => {
		const client = newClient()
		const phone = await client.linkWithQr()
		assert.match(phone, /^1555\d{7}$/)
		assert.equal(sim.account(phone)?.connected, true)
	})

	test('reconnect with saved creds reaches open without a new QR', async () => {
		const client = newClient()
		const phone = await client.linkWithQr('15551230003')
		const closed = client.mark()
		const disconnected = simEvent('account-disconnected')
		client.end()
		await client.waitForClose(closed)
		await disconnected
		assert.equal(sim.account(phone)?.connected, false)
		const mark = client.mark()
		await client.reconnect()
		await assert.rejects(client.waitForQr(mark, 300), /timed out/, 'no QR on a saved-creds login')
		assert.equal(sim.account(phone)?.connected, true)
		assert.equal(sim.account(phone)?.preKeysLeft, 812, 'no second upload when the server still has keys')
	})

	test('pairing code: requestPairingCode -> phone enters the code -> open', async () => {
		const client = newClient()
		const code = await client.linkWithCode('15551230004')
		assert.match(code, /^[0-9A-Z]{8}$/)
		assert.equal(client.creds.me?.id, '15551230004:1@s.whatsapp.net')
		assert.equal(sim.account('15551230004')?.connected, true)
	})

	test('a wrong pairing code is rejected', async () => {
		const client = newClient()
		const mark = client.mark()
		const sock = client.start()
		await client.waitForQr(mark)
		const code = await sock.requestPairingCode('15551230005')
		const wrong = code.slice(0, 7) + (code[7] === 'A' ? 'B' : 'A')
		await assert.rejects(sim.enterPairingCode('15551230005', wrong), /wrong code|timed out|did not finish/)
		assert.equal(sim.account('15551230005')?.linked, false)
		client.end()
	})

	test('many accounts link concurrently, each with its own connection', async () => {
		const phones = Array.from({ length: 8 }, (_, i) => `1555124000${i}`)
		await Promise.all(phones.map(p => newClient().linkWithQr(p)))
		for (const p of phones) assert.equal(sim.account(p)?.connected, true, p)
	})
})

describe('connection control', { timeout: 60000 }, () => {
	test('logout from the phone closes the client with 401; the creds are dead afterwards', async () => {
		const client = newClient()
		const phone = await client.linkWithQr('15551230010')
		const mark = client.mark()
		await sim.logout(phone)
		assert.equal(await client.waitForClose(mark), DisconnectReason.loggedOut)
		assert.equal(sim.account(phone)?.linked, false)
		const again = client.mark()
		client.start()
		assert.equal(await client.waitForClose(again), DisconnectReason.loggedOut)
	})

	test('sock.logout() from the gateway unlinks the device', async () => {
		const client = newClient()
		const phone = await client.linkWithQr('15551230011')
		const mark = client.mark()
		const loggedOut = simEvent<string>('account-logged-out')
		await client.sock!.logout()
		assert.equal(await client.waitForClose(mark), DisconnectReason.loggedOut)
		assert.equal(await loggedOut, phone)
		assert.equal(sim.account(phone)?.linked, false)
	})

	test('dropConnection closes abruptly (428) and the client can reconnect', async () => {
		const client = newClient()
		const phone = await client.linkWithQr('15551230012')
		const mark = client.mark()
		sim.dropConnection(phone)
		assert.equal(await client.waitForClose(mark), DisconnectReason.connectionClosed)
		await client.reconnect()
		assert.equal(sim.account(phone)?.connected, true)
	})

	test('setRefuseConnections closes every new socket until lifted', async () => {
		const client = newClient()
		const phone = await client.linkWithQr('15551230013')
		const closed = client.mark()
		sim.dropConnection(phone)
		await client.waitForClose(closed)
		sim.setRefuseConnections(true)
		try {
			const mark = client.mark()
			client.start()
			assert.equal(await client.waitForClose(mark), DisconnectReason.connectionClosed)
			assert.equal(sim.account(phone)?.connected, false)
		} finally {
			sim.setRefuseConnections(false)
		}
		await client.reconnect()
		assert.equal(sim.account(phone)?.connected, true)
	})

	test('the same creds connecting twice: the older socket is replaced (440)', async () => {
		const first = newClient()
		const phone = await first.linkWithQr('15551230014')
		const mark = first.mark()
		const firstSock = first.sock!
		// a second socket on the same auth state, as a gateway restarting without closing would do
		first.autoRestart = false
		const second = first.start()
		assert.notEqual(firstSock, second)
		await first.waitForOpen(mark)
		const closed = await first.waitEvent('connection.update', u => u.connection === 'close', { after: mark })
		assert.equal((closed.lastDisconnect?.error as { output?: { statusCode?: number } })?.output?.statusCode, DisconnectReason.connectionReplaced)
		assert.equal(sim.account(phone)?.connected, true)
	})
})

describe('directory', { timeout: 30000 }, () => {
	test('onWhatsApp answers true for WhatsApp contacts and leaves the others out', async () => {
		const client = newClient()
		await client.linkWithQr('15551230020')
		const yes = await sim.createContact({ number: '15559990001', name: 'Yes' })
		const no = await sim.createContact({ number: '15559990002', onWhatsApp: false })
		assert.equal(no.onWhatsApp, false)
		const result = await client.sock!.onWhatsApp(yes.number, no.number, '15559990003')
		assert.deepEqual(result, [{ jid: yes.jid, exists: true }])
	})

	test('profile pictures are served by the HTTPS media host', async () => {
		const client = newClient()
		await client.linkWithQr('15551230021')
		const c = await sim.createContact({ number: '15559990010' })
		const url = await client.sock!.profilePictureUrl(c.jid)
		assert.ok(url?.startsWith(`https://${sim.mediaHost}/pp/`), url)
		const res = await fetch(url!, { dispatcher: client.dispatcher } as RequestInit)
		assert.equal(res.status, 200)
		const body = Buffer.from(await res.arrayBuffer())
		assert.equal(body.subarray(0, 2).toString('hex'), 'ffd8', 'a JPEG')
		await assert.rejects(client.sock!.profilePictureUrl('15559999999@s.whatsapp.net'), /item-not-found/)
	})
})
