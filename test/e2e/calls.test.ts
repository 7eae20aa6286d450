// Calls end to end: a simulated contact calls the real Baileys client; the gateway emits `call`
// (Socket.IO and webhook), rejects it when REJECT_CALLS (or the instance's setting) says so, and
// may text the caller; the simulator records ringing / rejected / missed.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js'
import type { SimCall, SimContact } from '../../src/simulator/index.js'

const TOKEN = 'calls'

interface CallEvent { token: string; id: string; from: { jid: string; phone: string | null; lid: string | null }; status: string; isVideo: boolean; isGroup: boolean }

describe('calls', () => {
  let h: Harness
  let io: Socket
  let hook: WebhookReceiver
  let ann: SimContact
  let hid: SimContact

  const callEvent = (id: () => string, status: string) => waitForEvent<CallEvent>(io, 'call', (c) => c.id === id() && c.status === status)
  /** The simulator's record of a call reaching `status`. */
  const simCall = (id: string, status: SimCall['status']) => new Promise<SimCall>((resolve) => {
    const seen = h.sim.calls().find((c) => c.id === id && c.status === status)
    if (seen) return resolve(seen)
    const on = (c: SimCall) => {
      if (c.id !== id || c.status !== status) return
      h.sim.off('call', on)
      resolve(c)
    }
    h.sim.on('call', on)
  })
  const call = async (number: string, body: Record<string, unknown> = {}) => {
    const r = await h.api<{ id: string }>('POST', `/api/sandbox/contacts/${number}/call`, { token: TOKEN, ...body })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body.data!.id
  }

  before(async () => {
    hook = await startWebhookReceiver()
    h = await startHarness({ env: { WEBHOOK: `${hook.url}/hook`, WEBHOOK_EVENTS: 'message-upsert,call' } })
    ann = await h.sim.createContact({ name: 'Ann' })
    hid = await h.sim.createContact({ name: 'Hid', hidePhone: true })
    io = await h.socket({ tokens: [TOKEN] })
    await h.pair(TOKEN)
  })
  after(async () => {
    await h?.close()
    await hook?.close()
  })

  test('a call nobody answers: offer then timeout events (Socket.IO and webhook); the simulator records it missed', async () => {
    let id = ''
    const offer = callEvent(() => id, 'offer')
    const timeout = callEvent(() => id, 'timeout')
    id = await call(ann.number, { ringMs: 300 })
    const o = await offer
    // a PN-addressed offer from someone who never wrote: the number, no LID known yet
    assert.deepEqual(o, { token: TOKEN, id, from: { jid: ann.jid, phone: ann.number, lid: null }, status: 'offer', isVideo: false, isGroup: false })
    await timeout
    await simCall(id, 'missed')
    const list = (await h.api<Array<{ id: string; token: string; status: string }>>('GET', `/api/sandbox/contacts/${ann.number}/calls`)).body.data
    assert.deepEqual(list?.find((c) => c.id === id), { id, token: TOKEN, status: 'missed', video: false })
    const body = (await hook.wait((x) => x.body.event === 'call' && x.body.id === id, 'the call webhook')).body
    assert.deepEqual(body.from, { jid: ann.jid, phone: ann.number, lid: null })
  })

  test('the instance rejects calls: the caller sees a rejection and gets the text', async () => {
    const set = await h.api('PUT', `/api/whatsapp/instances/${TOKEN}/calls`, { reject: true, message: 'Sorry, calls are not answered here' })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.deepEqual(set.body.data, { reject: true, message: 'Sorry, calls are not answered here', source: 'instance' })
    let id = ''
    const offer = callEvent(() => id, 'offer')
    const text = ann.waitForMessage((m) => m.text === 'Sorry, calls are not answered here')
    id = await call(ann.number, { video: true })
    assert.equal((await offer).isVideo, true)
    await simCall(id, 'rejected')
    await text
    const list = (await h.api<Array<{ id: string; status: string }>>('GET', `/api/sandbox/contacts/${ann.number}/calls`)).body.data
    assert.equal(list?.find((c) => c.id === id)?.status, 'rejected')
  })

  test('a hidden-number caller: from has the LID and phone null; rejected and texted by LID', async () => {
    let id = ''
    const offer = callEvent(() => id, 'offer')
    const text = hid.waitForMessage((m) => m.text === 'Sorry, calls are not answered here')
    id = await call(hid.number)
    assert.deepEqual((await offer).from, { jid: hid.lid, phone: null, lid: hid.lid })
    await simCall(id, 'rejected')
    await text
  })

  test('REJECT_CALLS applies when the instance has no setting of its own', async () => {
    const cleared = await h.api('DELETE', `/api/whatsapp/instances/${TOKEN}/calls`)
    assert.deepEqual(cleared.body.data, { reject: false, source: 'global' })
    await h.restartGateway({ REJECT_CALLS: 'true', REJECT_CALLS_MESSAGE: 'busy' })
    assert.deepEqual((await h.api('GET', `/api/whatsapp/instances/${TOKEN}/calls`)).body.data, { reject: true, message: 'busy', source: 'global' })
    // the saved instance reconnects on boot (autostart): wait for it
    for (const until = Date.now() + 20_000; h.app.sessions.get(TOKEN)?.state !== 'open';) {
      assert.ok(Date.now() < until, 'the instance reconnected after the restart')
      await new Promise((r) => setTimeout(r, 50))
    }
    const text = ann.waitForMessage((m) => m.text === 'busy')
    const id = await call(ann.number)
    await simCall(id, 'rejected')
    await text
  })

  test('bad input is a 4xx', async () => {
    assert.equal((await h.api('PUT', `/api/whatsapp/instances/${TOKEN}/calls`, { reject: 'yes' })).status, 400)
    assert.equal((await h.api('POST', '/api/sandbox/contacts/15559999999/call', { token: TOKEN })).status, 404)
    assert.equal((await h.api('POST', `/api/sandbox/contacts/${ann.number}/call`, { token: TOKEN, ringMs: 1 })).status, 400)
  })
})
