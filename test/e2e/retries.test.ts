// "Waiting for this message": a simulated contact fails to decrypt and sends a retry receipt; the
// real Baileys client re-sends — from its recent-message cache, or after a restart from the
// gateway's store through getMessage — and the contact reads it. A retry for a message nobody
// keeps any more is answered with nothing, and the instance carries on.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'retry'

describe('retry receipts', () => {
  let h: Harness
  let ann: SimContact
  let phone = ''

  const send = async (text: string) => {
    const r = await h.api<{ key: { id: string } }>('POST', '/api/whatsapp/send-text', { token: TOKEN, number: ann.number, text })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body.data!.key.id
  }
  const waitOpen = async () => {
    for (const until = Date.now() + 20_000; h.app.sessions.get(TOKEN)?.state !== 'open';) {
      assert.ok(Date.now() < until, 'the instance is open')
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  before(async () => {
    h = await startHarness()
    ann = await h.sim.createContact({ name: 'Ann' })
    ;({ phone } = await h.pair(TOKEN))
  })
  after(async () => {
    await h?.close()
  })

  test('the contact cannot decrypt, asks for a retry, and reads the re-sent message', async () => {
    ann.failDecrypts(1)
    const id = await send('retry me')
    await ann.waitForDecryptFailure((x) => x === id)
    const m = await ann.waitForMessage((x) => x.id === id)
    assert.equal(m.text, 'retry me')
  })

  test('after a gateway restart only the store has the message: getMessage answers the retry', async () => {
    ann.failDecrypts(1, 'manual')
    const id = await send('kept in the store')
    await ann.waitForDecryptFailure((x) => x === id)
    for (const until = Date.now() + 10_000; !(await h.app.store?.findMessage(TOKEN, id));) {
      assert.ok(Date.now() < until, 'the sent message is in the store')
      await new Promise((r) => setTimeout(r, 50))
    }
    await h.restartGateway() // a new Baileys socket: its recent-message cache is empty
    await waitOpen()
    ann.requestRetry(phone, id)
    const m = await ann.waitForMessage((x) => x.id === id, 15_000)
    assert.equal(m.text, 'kept in the store')
  })

  test('a retry for a message nobody keeps: nothing is re-sent, the instance carries on', async () => {
    const bogus = `3EB0${randomBytes(9).toString('hex').toUpperCase()}`
    ann.requestRetry(phone, bogus)
    const io: Socket = await h.socket({ tokens: [TOKEN] })
    const got = waitForEvent<{ key: { fromMe: boolean }; message: { message?: { conversation?: string } } }>(io, 'message-upsert',
      (u) => !u.key.fromMe && u.message.message?.conversation === 'still here')
    await ann.sendText(phone, 'still here')
    await got
    const id = await send('and still sending')
    await ann.waitForMessage((x) => x.id === id)
    assert.ok(!ann.received().some((x) => x.id === bogus), 'nothing was re-sent for the unknown id')
    assert.equal(h.app.sessions.get(TOKEN)?.state, 'open')
  })
})
