// The behaviour every IdempotencyStore must show (SQLite today; a Postgres store runs the same suite).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { IdempotencyClaim, IdempotencyStore } from '../../src/store/idempotency-types.js'

export function idempotencyStoreContract(name: string, open: () => Promise<{ store: IdempotencyStore; close: () => Promise<void> }>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let store: IdempotencyStore
    let close: () => Promise<void>
    before(async () => {
      ;({ store, close } = await open())
    })
    after(() => close())
    const claim = (over: Partial<IdempotencyClaim> = {}) =>
      store.claim({ scope: 's', key: 'k', requestHash: 'h1', owner: 'o1', seed: 'seed-1', now: 1000, expiresAt: 5000, ...over })

    test('claim → running; same owner → in-progress; another body → mismatch; another owner (crashed run) → resumed with the stored seed', async () => {
      assert.deepEqual(await claim(), { outcome: 'started', seed: 'seed-1', resumed: false })
      assert.deepEqual(await claim({ seed: 'seed-2' }), { outcome: 'in-progress' })
      assert.deepEqual(await claim({ requestHash: 'h2' }), { outcome: 'mismatch' })
      assert.deepEqual(await claim({ owner: 'o2', seed: 'seed-3' }), { outcome: 'started', seed: 'seed-1', resumed: true })
      // the old owner can no longer complete it; the new one can
      await store.complete('s', 'k', 'o1', { status: 201, body: '"old"', headers: {} })
      assert.deepEqual(await claim({ owner: 'o2' }), { outcome: 'in-progress' })
      await store.complete('s', 'k', 'o2', { status: 200, body: '{"a":1}', headers: { 'x-next-before': '7' } })
      assert.deepEqual(await claim({ owner: 'o3' }), { outcome: 'replay', response: { status: 200, body: '{"a":1}', headers: { 'x-next-before': '7' } } })
      assert.deepEqual(await claim({ requestHash: 'h2' }), { outcome: 'mismatch' }, 'a done key with another body is still a mismatch')
    })

    test('a released key runs again with its seed (another body is still a mismatch); expiry starts over with a new seed; purge deletes expired rows only', async () => {
      assert.equal((await claim({ key: 'r', seed: 'first' })).outcome, 'started')
      await store.release('s', 'r', 'o1')
      assert.deepEqual(await claim({ key: 'r', requestHash: 'h2' }), { outcome: 'mismatch' })
      assert.deepEqual(await claim({ key: 'r', seed: 'fresh' }), { outcome: 'started', seed: 'first', resumed: true })
      await store.complete('s', 'r', 'o1', { status: 200, body: '1', headers: {} })
      assert.deepEqual(await claim({ key: 'r', seed: 'later', now: 5000, expiresAt: 9000 }), { outcome: 'started', seed: 'later', resumed: false })
      assert.equal((await claim({ key: 'gone', now: 100, expiresAt: 200 })).outcome, 'started')
      assert.equal(await store.purgeExpired(6000), 2, 'k (expires 5000) and gone (200); r now expires at 9000')
      assert.equal((await claim({ key: 'r', seed: 'x', now: 6000 })).outcome, 'in-progress')
    })

    test('scopes are separate: the same key string in another scope is a new key', async () => {
      assert.equal((await claim({ scope: 'a', key: 'same', requestHash: 'ha' })).outcome, 'started')
      assert.equal((await claim({ scope: 'b', key: 'same', requestHash: 'hb' })).outcome, 'started')
      await store.complete('a', 'same', 'o1', { status: 200, body: '"a"', headers: {} })
      assert.equal((await claim({ scope: 'b', key: 'same', requestHash: 'hb' })).outcome, 'in-progress')
    })
  })
}
