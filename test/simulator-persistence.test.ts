// Simulator: dataDir persistence — a restarted simulator keeps accounts, contacts (Signal state) and groups.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Simulator } from '../src/simulator/index.js'
import { SimTestClient } from '../src/simulator/testing.js'

const dataDir = mkdtempSync(join(tmpdir(), 'wa-sim-persist-'))
const toStop: Simulator[] = []
let client: SimTestClient | undefined

after(async () => {
	await client?.close()
	await Promise.all(toStop.map(s => s.stop()))
	rmSync(dataDir, { recursive: true, force: true })
})

test('a restarted simulator reconnects the saved account without a new scan', { timeout: 60000 }, async () => {
	const first = await Simulator.start({ dataDir })
	toStop.push(first)
	client = new SimTestClient(first)
	const phone = await client.linkWithQr('15554000001')
	const carol = await first.createContact({ number: '15554000101', name: 'Carol' })
	const sent = await client.sock!.sendMessage(carol.jid, { text: 'before restart' })
	await carol.waitForMessage(m => m.id === sent!.key.id)
	const { id } = await carol.sendText(phone, 'reply before restart')
	await client.waitForIncoming(m => m.key.id === id)
	const group = await client.sock!.groupCreate('Persistent', [carol.jid])

	const closed = client.mark()
	client.end()
	await client.waitForClose(closed)
	await first.stop()
	toStop.pop()

	const second = await Simulator.start({ dataDir })
	toStop.push(second)
	assert.deepEqual(second.rootPublicKey, first.rootPublicKey, 'same noise root: clients keep trusting it')
	assert.equal(second.caPem, first.caPem, 'same media CA')
	assert.equal(second.account(phone)?.linked, true)
	assert.equal(second.group(group.id)?.subject, 'Persistent')
	const carol2 = second.contact(carol.number)!
	assert.equal(carol2.name, 'Carol')

	client.retarget(second)
	client.autoRestart = true
	const mark = client.mark()
	await client.reconnect()
	await assert.rejects(client.waitForQr(mark, 200), /timed out/)
	// Signal sessions survived on both sides: a plain msg each way decrypts
	const reply = await carol2.sendText(phone, 'after restart')
	const m = await client.waitForIncoming(x => x.key.id === reply.id)
	assert.equal(m.message?.conversation, 'after restart')
	const out = await client.sock!.sendMessage(carol2.jid, { text: 'gateway after restart' })
	assert.equal((await carol2.waitForMessage(x => x.id === out!.key.id)).text, 'gateway after restart')
	const g = await client.sock!.sendMessage(group.id, { text: 'group after restart' })
	assert.equal((await carol2.waitForMessage(x => x.id === g!.key.id)).chat, group.id)
})

test('a restarted simulator reuses its ports, and takes new ones only when the old ones are taken', { timeout: 30000 }, async () => {
	const dir = mkdtempSync(join(tmpdir(), 'wa-sim-ports-'))
	try {
		const first = await Simulator.start({ dataDir: dir })
		const { wsUrl, mediaHost } = first
		await first.stop()
		const second = await Simulator.start({ dataDir: dir })
		assert.equal(second.wsUrl, wsUrl)
		assert.equal(second.mediaHost, mediaHost)
		await second.stop()

		// Someone else took both ports meanwhile: the simulator still starts, on new ones.
		const squatters = await Promise.all([Number(new URL(wsUrl).port), Number(mediaHost.split(':')[1])].map(port =>
			new Promise<Server>((resolve, reject) => {
				const srv = createServer()
				srv.once('error', reject)
				srv.listen(port, '127.0.0.1', () => resolve(srv))
			})))
		try {
			const third = await Simulator.start({ dataDir: dir })
			assert.notEqual(third.wsUrl, wsUrl)
			assert.notEqual(third.mediaHost, mediaHost)
			await third.stop()
		} finally {
			await Promise.all(squatters.map(srv => new Promise(resolve => srv.close(resolve))))
		}
	} finally {
		rmSync(dir, { recursive: true, force: true })
	}
})
