// Many instances dropped at once (what an overloaded host sees) come back through the login gate:
// never more logins at once than its limit, and every instance open again.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startHarness, type Harness } from '../helpers/harness.js'

let h: Harness
before(async () => {
  h = await startHarness({ env: { AUTOSTART_CONCURRENCY: '2', RECONNECT_BASE_MS: '1', RECONNECT_CAP_MS: '5' } })
})
after(async () => {
  await h.close()
})

test('six instances dropped together reconnect at most two at a time, and all reopen', async () => {
  const tokens = ['s1', 's2', 's3', 's4', 's5', 's6']
  const phones: string[] = []
  for (const t of tokens) phones.push((await h.pair(t)).phone)
  const gate = h.app.sessions.loginGate
  assert.equal(gate.peak, 0, 'pairing does not use the login gate')
  let maxWaiting = 0
  const reopened = new Set<string>()
  const allOpen = new Promise<void>((resolve) => {
    const off = h.app.bus.on('connection-open', (e) => {
      maxWaiting = Math.max(maxWaiting, gate.waiting)
      reopened.add(e.token)
      if (reopened.size === tokens.length) {
        off()
        resolve()
      }
    })
  })
  for (const p of phones) h.sim.dropConnection(p)
  await allOpen
  assert.ok(gate.peak >= 1 && gate.peak <= 2, `peak logins at once: ${gate.peak}`)
  assert.ok(maxWaiting >= 1, 'some reconnects had to wait for a slot')
  for (const t of tokens) assert.equal(h.app.sessions.get(t)?.state, 'open')
})
