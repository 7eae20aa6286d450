// The watchdog: an instance that says "open" while nothing arrives (the simulator black-holes its
// connection: frames taken, nothing answered) is restarted and messages flow again; a healthy idle
// instance is probed but never restarted.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'

const WATCHDOG_SECONDS = 1
let h: Harness

before(async () => {
  h = await startHarness({ env: { WATCHDOG_SECONDS: String(WATCHDOG_SECONDS) } })
})
after(async () => {
  await h.close()
})

test('a black-holed open instance is restarted within 2 × WATCHDOG_SECONDS and receives again; an idle healthy one is left alone', async (t) => {
  const { phone } = await h.pair('stuck')
  const { phone: idlePhone } = await h.pair('idle')
  const s = await h.socket()
  const states: Array<{ token: string; state: string; reason?: string }> = []
  s.on('connection-state', (e: { token: string; state: string; reason?: string }) => states.push(e))
  const contact = await h.sim.createContact({ name: 'Watched' })

  for (let round = 1; round <= 2; round++) {
    const restarted = waitForEvent<{ token: string; reason?: string }>(s, 'connection-state', (e) => e.token === 'stuck' && e.reason === 'watchdog', 10_000)
    const reopened = waitForEvent(s, 'connection-open', (e: { token: string }) => e.token === 'stuck', 20_000)
    assert.equal(h.sim.blackHole(phone), true)
    const since = Date.now()
    await restarted
    // Silence (1 s) is noticed within a quarter of it, then the probe waits up to 1 s for its pong:
    // about 2 × WATCHDOG_SECONDS. Reported, not asserted: a loaded CI machine must not fail this.
    t.diagnostic(`round ${round}: restarted ${Date.now() - since} ms after the black hole began`)
    await reopened
    const got = waitForEvent<{ token: string; message: { key: { fromMe: boolean } } }>(s, 'message-upsert', (e) => e.token === 'stuck' && !e.message.key.fromMe)
    await contact.sendText(phone, `after restart ${round}`)
    await got
  }
  assert.ok(h.sim.pingsOf(idlePhone) >= 1, 'the idle instance was probed')
  assert.deepEqual(states.filter((e) => e.token === 'idle'), [], 'the idle instance was never restarted')
  const metrics = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Basic ${Buffer.from('test-auth-key-123:').toString('base64')}` } })
  assert.match(await metrics.text(), /wa_watchdog_restarts_total 2/)
})
