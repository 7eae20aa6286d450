// The login gate follows the load: it halves while the event loop lags, grows back by one while
// it is responsive, never goes below min nor above max, and never admits more than its limit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LoadGate } from '../src/util/load-gate.js'

test('the limit halves under lag, grows back when responsive, within [min, max]', () => {
  let lag = 0
  const gate = new LoadGate({ min: 1, max: 8, lag: () => lag, intervalMs: 60_000 })
  try {
    assert.equal(gate.limit, 8)
    lag = 500
    gate.adjust()
    assert.equal(gate.limit, 4)
    gate.adjust()
    gate.adjust()
    gate.adjust()
    assert.equal(gate.limit, 1, 'never below min')
    lag = 100 // between low and high: hold
    gate.adjust()
    assert.equal(gate.limit, 1)
    lag = 5
    for (let i = 0; i < 20; i++) gate.adjust()
    assert.equal(gate.limit, 8, 'never above max')
  } finally {
    gate.close()
  }
})

test('admits at most the limit; waiters enter as slots free up or the limit grows', async () => {
  let lag = 500
  const gate = new LoadGate({ min: 1, max: 4, lag: () => lag, intervalMs: 60_000 })
  try {
    gate.adjust() // 4 → 2
    assert.equal(gate.limit, 2)
    const admitted: number[] = []
    const releases: Array<() => void> = []
    const all = Array.from({ length: 6 }, (_, i) => gate.acquire().then((release) => {
      admitted.push(i)
      releases.push(release)
    }))
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(admitted, [0, 1])
    assert.equal(gate.waiting, 4)
    releases[0]()
    releases[0]() // a second call is harmless
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(admitted, [0, 1, 2])
    lag = 0
    gate.adjust() // 2 → 3: one more enters
    await new Promise((r) => setImmediate(r))
    assert.equal(admitted.length, 4)
    assert.equal(gate.peak, 3)
    for (const r of releases.slice(1)) r()
    await new Promise((r) => setImmediate(r))
    for (const r of releases.slice(4)) r()
    await Promise.all(all)
    assert.equal(admitted.length, 6)
    assert.ok(gate.peak <= 3)
  } finally {
    gate.close()
  }
})
