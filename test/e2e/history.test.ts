// History sync on link: the simulated phone pushes chats × messages, push names and LID mappings
// to the newly linked gateway (real Baileys), which stores them; SYNC_HISTORY=off stores none and
// the link does not wait for history.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import type { SimContact } from '../../src/simulator/index.js'

interface Chat { id: string; name?: string }
interface StoredMsg { key: { id: string; fromMe: boolean; remoteJid: string }; message: { conversation?: string }; sender: { phone: string | null; lid: string | null } }

/** Polls `probe` until it returns a value (the store fills in the background); fails after ms. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('history sync on link', () => {
  let h: Harness
  let ann: SimContact
  let bob: SimContact
  let histPhone = ''

  /** create-instance → QR → the sandbox phone scans with `history`; resolves when open, with the ms it took. */
  const link = async (token: string, history?: { chats: number; messages: number }) => {
    const s = await h.socket({ tokens: [token] })
    const qr = waitForEvent(s, 'qrcode', (p: { token: string }) => p.token === token)
    const opened = waitForEvent(s, 'connection-open', (p: { token: string }) => p.token === token)
    assert.equal((await h.api('POST', '/api/whatsapp/create-instance', { token })).status, 200)
    await qr
    const started = Date.now()
    const scan = await h.api<{ phone: string }>('POST', '/api/sandbox/scan', { token, ...(history ? { history } : {}) })
    assert.equal(scan.status, 200, JSON.stringify(scan.body))
    await opened
    s.close()
    return { ms: Date.now() - started, phone: scan.body.data!.phone }
  }
  const chats = async (token: string) => (await h.api<Chat[]>('GET', `/api/whatsapp/store/${token}/chats?limit=500`)).body.data ?? []

  before(async () => {
    h = await startHarness()
    ann = await h.sim.createContact({ name: 'Ann' })
    bob = await h.sim.createContact({ name: 'Bob', hidePhone: true })
  })
  after(async () => {
    await h?.close()
  })

  test('SYNC_HISTORY=recent (default): chats, messages, names and LID mappings land in the store', async () => {
    ;({ phone: histPhone } = await link('hist', { chats: 4, messages: 5 }))
    const list = await eventually(async () => {
      const c = await chats('hist')
      return c.length >= 4 ? c : undefined
    }, '4 history chats in the store')
    const ids = list.map((c) => c.id).sort()
    const first = '16661000000@s.whatsapp.net'
    assert.deepEqual(ids, [first, '16661000001@s.whatsapp.net', '16661000002@s.whatsapp.net', '177710000000003@lid'],
      'three chats with a number, one LID-only')
    assert.equal(list.find((c) => c.id === first)?.name, 'History 1')
    assert.ok(!ids.includes(`${histPhone}@s.whatsapp.net`), 'the history notifications themselves are no chat')

    const page = (await h.api<StoredMsg[]>('GET', `/api/whatsapp/store/hist/chats/${first}/messages`)).body.data ?? []
    assert.deepEqual(page.map((m) => m.message.conversation), [1, 2, 3, 4, 5].map((n) => `${n % 2 === 0 ? 'me' : 'History 1'}: history ${n}`), 'oldest first')
    assert.ok(page.some((m) => m.key.fromMe) && page.some((m) => !m.key.fromMe))
    assert.equal(page.find((m) => !m.key.fromMe)?.sender.lid, '177710000000000@lid', 'the LID mapping came with the history')
    // the LID names the same chat
    assert.equal((await h.api<StoredMsg[]>('GET', '/api/whatsapp/store/hist/chats/177710000000000@lid/messages')).body.data?.length, 5)

    const contacts = (await h.api<Record<string, Chat>>('GET', '/api/whatsapp/store/hist/contacts')).body.data ?? {}
    assert.equal(contacts[first]?.name, 'History 1')
  })

  test('messages after the history arrive as usual', async () => {
    const s = await h.socket({ tokens: ['hist'] })
    const got = waitForEvent(s, 'message-upsert', (u: { key: { fromMe: boolean }; message: { message?: { conversation?: string } } }) =>
      !u.key.fromMe && u.message.message?.conversation === 'after history')
    await ann.sendText(histPhone, 'after history')
    await got
    s.close()
  })

  test('SYNC_HISTORY=off: no history stored, and the link does not wait for it', async () => {
    await h.restartGateway({ SYNC_HISTORY: 'off' })
    const { ms, phone } = await link('nohist', { chats: 3, messages: 3 })
    assert.ok(ms < 10_000, `linked in ${ms} ms (Baileys waits 20 s for history it expects)`)
    // the push still happens on the wire; a live message after it shows the store is up to date
    const s = await h.socket({ tokens: ['nohist'] })
    const got = waitForEvent(s, 'message-upsert', (u: { token: string; key: { fromMe: boolean } }) => u.token === 'nohist' && !u.key.fromMe)
    await bob.sendText(phone, 'live only')
    await got
    s.close()
    assert.deepEqual((await chats('nohist')).map((c) => c.id), [bob.lid])
  })
})
