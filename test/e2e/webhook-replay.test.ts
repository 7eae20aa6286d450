// Replaying ONE dead delivery by id: it is queued again with the same X-Delivery-Id and reaches
// the receiver once it is back; the route answers the delivery as the document describes it.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { until } from '../helpers/gateway-process.js'
import { startHarness, type Harness } from '../helpers/harness.js'

interface Delivery { id: string; status: string; attempts: number; lastStatus: number | null }

let h: Harness
let receiverUp = false
const hits: IncomingHttpHeaders[] = []
const receiver = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    if (receiverUp) hits.push(req.headers)
    res.writeHead(receiverUp ? 204 : 503).end()
  })
})

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  h = await startHarness({ env: { WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_CAP_MS: '50', WEBHOOK_ALLOW_PRIVATE: 'true' } })
})
after(async () => {
  await h.close()
  await new Promise<void>((resolve) => receiver.close(() => resolve()))
})

test('POST …/deliveries/:id/replay re-queues one dead delivery with the same X-Delivery-Id', async () => {
  await h.pair('replay')
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  assert.equal((await h.api('POST', '/api/whatsapp/instances/replay/webhook', { url, secret: 'replay-secret-123' })).status, 200)
  const contact = await h.sim.createContact({ name: 'Replay' })
  const phone = h.app.sessions.require('replay').user?.id.split(/[:@]/)[0] ?? ''
  await contact.sendText(phone, 'goes dead first')

  const dead = await until('a dead delivery', async () => {
    const list = (await h.api<Delivery[]>('GET', '/api/whatsapp/instances/replay/webhook/deliveries?status=dead')).body.data ?? []
    return list[0]
  })
  assert.equal(dead.lastStatus, 503)

  receiverUp = true
  const replayed = await h.api<Delivery>('POST', `/api/whatsapp/instances/replay/webhook/deliveries/${dead.id}/replay`)
  assert.equal(replayed.status, 200, JSON.stringify(replayed.body))
  assert.equal(replayed.body.data?.id, dead.id)
  assert.equal(replayed.body.data?.status, 'pending')
  const hit = await until('the replayed delivery at the receiver', () => hits.find((x) => x['x-delivery-id'] === dead.id))
  assert.match(String(hit['x-signature']), /^sha256=[0-9a-f]{64}$/)
  await until('the delivery marked delivered', async () => {
    const list = (await h.api<Delivery[]>('GET', '/api/whatsapp/instances/replay/webhook/deliveries?status=delivered')).body.data ?? []
    return list.find((d) => d.id === dead.id)
  })
})
