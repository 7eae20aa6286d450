// SqliteStore and its Baileys ingestion without a network: upserts and merges, LID aliases,
// paging cursors, getMessage, per-token isolation and removal, and the seed's projections.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WASocket } from '@whiskeysockets/baileys'
import { EventBus } from '../src/events/bus.js'
import { createLogger } from '../src/logger.js'
import { openDatabase, type Db } from '../src/store/db.js'
import { storeGetMessage, toWAMessage } from '../src/store/baileys.js'
import { StoreObserver } from '../src/store/ingest.js'
import { seedMessage } from '../src/store/serialize.js'
import { SqliteStore } from '../src/store/sqlite-store.js'
import { CursorError, type StoredMessage } from '../src/store/types.js'

let root = ''
let db: Db
let store: SqliteStore
before(() => {
  root = mkdtempSync(join(tmpdir(), 'wagw-store-unit-'))
  db = openDatabase(root)
  store = new SqliteStore(db)
})
after(() => {
  db.close()
  rmSync(root, { recursive: true, force: true })
})

const A = '628111@s.whatsapp.net'
const msg = (id: string, ts: number, text: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  key: { remoteJid: A, fromMe: false, id }, message: { conversation: text }, messageTimestamp: ts, pushName: 'Ann', ...extra,
})

describe('messages', () => {
  test('upsert stores the message and creates its chat; findMessage returns it with binary revived', () => {
    store.upsertMessages('t1', [msg('M1', 100, 'one', { message: { imageMessage: { mediaKey: new Uint8Array([9, 8, 7]) } } })])
    const found = store.findMessage('t1', 'M1')!
    assert.ok(Buffer.isBuffer((found.message as { imageMessage: { mediaKey: unknown } }).imageMessage.mediaKey))
    assert.deepEqual([...(found.message as { imageMessage: { mediaKey: Buffer } }).imageMessage.mediaKey], [9, 8, 7])
    assert.deepEqual(store.listChats('t1', { limit: 10 }), [{ id: A, conversationTimestamp: 100, unreadCount: 0 }])
    assert.equal(store.findMessage('t2', 'M1'), undefined, 'tokens are isolated')
    assert.equal(store.findMessage('t1', 'M1', '628999@s.whatsapp.net'), undefined, 'narrowed by chat')
  })

  test('protobuf JSON form (base64 bytes, string longs, enum names) comes back as a real WAMessage', () => {
    // What JSON.stringify gives for Baileys' proto objects (their toJSON), i.e. what is stored.
    const json = {
      key: { remoteJid: 'pj@s.whatsapp.net', remoteJidAlt: '77@lid', fromMe: false, id: 'PJ1' },
      message: { imageMessage: { mediaKey: Buffer.alloc(32, 7).toString('base64'), fileLength: '2056', caption: 'c' } },
      messageTimestamp: '1700000000', status: 'DELIVERY_ACK',
    } as unknown as StoredMessage
    store.upsertMessages('t1', [json])
    const found = store.findMessage('t1', 'PJ1')!
    assert.equal(seedMessage(found).status, 'DELIVERY_ACK')
    const wa = toWAMessage(found)
    assert.ok(Buffer.isBuffer(wa.message?.imageMessage?.mediaKey) || wa.message?.imageMessage?.mediaKey instanceof Uint8Array)
    assert.equal(wa.message?.imageMessage?.mediaKey?.length, 32)
    assert.equal(Number(wa.message?.imageMessage?.fileLength), 2056)
    assert.equal(Number(wa.messageTimestamp), 1700000000)
    assert.equal((wa.key as { remoteJidAlt?: string }).remoteJidAlt, '77@lid', 'key extras survive')
    store.deleteMessages('t1', [wa.key])
  })

  test('updates merge: status only moves forward, receipts accumulate, a re-upsert keeps them', () => {
    store.upsertMessages('t1', [msg('M2', 101, 'two', { key: { remoteJid: A, fromMe: true, id: 'M2' }, status: 2 })])
    store.updateMessages('t1', [{ key: { remoteJid: A, fromMe: true, id: 'M2' }, update: { status: 4 } }])
    store.updateMessages('t1', [{ key: { remoteJid: A, fromMe: true, id: 'M2' }, update: { status: 3 } }])
    store.addReceipts('t1', [{ key: { remoteJid: A, fromMe: true, id: 'M2' }, receipt: { userJid: A, readTimestamp: 150 } }])
    store.upsertMessages('t1', [msg('M2', 101, 'two', { key: { remoteJid: A, fromMe: true, id: 'M2' }, status: 1 })])
    const m = store.findMessage('t1', 'M2')!
    assert.equal(m.status, 4)
    assert.deepEqual(m.userReceipt, [{ userJid: A, readTimestamp: 150 }])
    assert.equal(seedMessage(m).status, 'READ')
    assert.equal(seedMessage(m).messageTimestamp, '101')
    store.updateMessages('t1', [{ key: { remoteJid: A, fromMe: true, id: 'NOPE' }, update: { status: 4 } }])
  })

  test('pages: latest first page, oldest first within it, cursor by id or by timestamp', () => {
    const many = Array.from({ length: 120 }, (_, i) => msg(`P${i}`, 1000 + Math.floor(i / 2), `p${i}`)) // two per second: ties
    store.upsertMessages('t1', many)
    const p1 = store.listMessages('t1', A, { limit: 50 })
    assert.deepEqual(p1.messages.map((m) => m.key.id), many.slice(70).map((m) => m.key.id))
    assert.equal(p1.nextBefore, 'P70')
    const p2 = store.listMessages('t1', A, { limit: 50, before: p1.nextBefore })
    assert.deepEqual(p2.messages.map((m) => m.key.id), many.slice(20, 70).map((m) => m.key.id))
    const p3 = store.listMessages('t1', A, { limit: 50, before: p2.nextBefore })
    assert.deepEqual(p3.messages.map((m) => m.key.id), ['M1', 'M2', ...many.slice(0, 20).map((m) => m.key.id)])
    assert.equal(p3.nextBefore, undefined, 'last page')
    const byTs = store.listMessages('t1', A, { limit: 3, before: '1002' })
    assert.deepEqual(byTs.messages.map((m) => m.key.id), ['P1', 'P2', 'P3'])
    assert.throws(() => store.listMessages('t1', A, { limit: 3, before: 'NOT-AN-ID' }), CursorError)
    assert.equal(store.listChats('t1', { limit: 5 }).find((c) => c.id === A)?.conversationTimestamp, 1059)
  })

  test('deletes: by key, whole chat', () => {
    store.deleteMessages('t1', [{ remoteJid: A, id: 'P0' }])
    assert.equal(store.findMessage('t1', 'P0'), undefined)
    store.clearChat('t1', A)
    assert.equal(store.listMessages('t1', A, { limit: 5 }).messages.length, 0)
  })
})

describe('chats, contacts, aliases', () => {
  test('unread increments vs absolute values; names kept', () => {
    store.upsertChats('t3', [{ id: 'g1@g.us', name: 'Group', conversationTimestamp: 10, unreadCount: 2 }])
    store.upsertChats('t3', [{ id: 'g1@g.us', unreadIncrement: 3, conversationTimestamp: 12 }])
    assert.deepEqual(store.listChats('t3', { limit: 5 }), [{ id: 'g1@g.us', conversationTimestamp: 12, unreadCount: 5, name: 'Group' }])
    store.upsertChats('t3', [{ id: 'g1@g.us', unreadCount: 0 }])
    assert.equal(store.listChats('t3', { limit: 5 })[0]!.unreadCount, 0)
    assert.deepEqual(store.listChats('t3', { limit: 5, before: 12 }), [])
  })

  test('a LID learned later moves the chat, messages and contact under the phone jid', () => {
    const lid = '99887766@lid'
    const pn = '628222@s.whatsapp.net'
    store.upsertChats('t3', [{ id: lid, conversationTimestamp: 50, unreadIncrement: 1 }])
    store.upsertContacts('t3', [{ id: lid, notify: 'Bob' }])
    store.upsertMessages('t3', [{ key: { remoteJid: lid, fromMe: false, id: 'L1' }, message: { conversation: 'x' }, messageTimestamp: 50 }])
    store.upsertMessages('t3', [{ key: { remoteJid: lid, remoteJidAlt: pn, fromMe: false, id: 'L2' } as StoredMessage['key'], message: { conversation: 'y' }, messageTimestamp: 51 }])
    const chats = store.listChats('t3', { limit: 10 })
    assert.ok(!chats.some((c) => c.id === lid), 'no row left under the LID')
    assert.deepEqual(chats.find((c) => c.id === pn), { id: pn, conversationTimestamp: 51, unreadCount: 1 })
    assert.deepEqual(store.listMessages('t3', pn, { limit: 10 }).messages.map((m) => m.key.id), ['L1', 'L2'])
    assert.deepEqual(store.listMessages('t3', lid, { limit: 10 }).messages.map((m) => m.key.id), ['L1', 'L2'], 'the LID still finds the chat')
    assert.deepEqual(store.listContacts('t3').find((c) => c.id === pn), { id: pn, name: 'Bob' })
  })

  test('removeInstance forgets one token only', async () => {
    store.upsertMessages('t4', [msg('K1', 1, 'keep')])
    await store.removeInstance('t3')
    assert.deepEqual(store.listChats('t3', { limit: 10 }), [])
    assert.deepEqual(store.listContacts('t3'), [])
    assert.equal(store.findMessage('t3', 'L1'), undefined)
    assert.ok(store.findMessage('t4', 'K1'))
  })
})

describe('ingestion from Baileys events', () => {
  test('maps socket events into the store, answers getMessage, and wipes on logout', async () => {
    const ev = new EventEmitter()
    const sock = { ev } as unknown as WASocket
    const bus = new EventBus()
    const observer = new StoreObserver(store, createLogger('silent'))
    observer.attach('t5', sock)
    const off = observer.wipeOnLogout(bus)
    const B = '628333@s.whatsapp.net'
    ev.emit('messaging-history.set', {
      chats: [{ id: B, conversationTimestamp: 5, unreadCount: 1, name: 'Cy' }],
      contacts: [{ id: B, notify: 'Cy' }, { id: 'g2@g.us', name: 'Team' }],
      messages: [{ key: { remoteJid: B, fromMe: false, id: 'H1' }, message: { conversation: 'old' }, messageTimestamp: 5 }],
    })
    ev.emit('messages.upsert', { type: 'notify', messages: [{ key: { remoteJid: B, fromMe: false, id: 'N1' }, message: { conversation: 'hi' }, messageTimestamp: 9, pushName: 'Cy' }] })
    ev.emit('chats.update', [{ id: B, unreadCount: 1, conversationTimestamp: 9 }])
    ev.emit('messages.update', [{ key: { remoteJid: B, fromMe: false, id: 'N1' }, update: { starred: true } }])
    ev.emit('messages.delete', { keys: [{ remoteJid: B, fromMe: false, id: 'H1' }] })
    ev.emit('groups.update', [{ id: 'g2@g.us', subject: 'Team 2' }])
    assert.deepEqual(store.listChats('t5', { limit: 10 }).find((c) => c.id === B), { id: B, conversationTimestamp: 9, unreadCount: 2, name: 'Cy' })
    assert.deepEqual(store.listContacts('t5'), [{ id: B, name: 'Cy' }, { id: 'g2@g.us', name: 'Team 2' }])
    assert.equal(store.findMessage('t5', 'H1'), undefined)
    assert.equal(store.findMessage('t5', 'N1')?.starred, true)
    const getMessage = storeGetMessage(store)
    assert.equal((await getMessage('t5', { remoteJid: B, id: 'N1', fromMe: false }))?.conversation, 'hi')
    assert.equal(await getMessage('t5', { remoteJid: B, id: 'nope' }), undefined)
    bus.emit('connection-state', { token: 't5', state: 'logged-out' })
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(store.listChats('t5', { limit: 10 }), [])
    assert.equal(store.findMessage('t5', 'N1'), undefined)
    off()
  })
})
