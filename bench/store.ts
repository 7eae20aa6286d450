// Store benchmark: 1,000,000 messages across 1,000 chats through the real SqliteStore, then the two
// hot reads (latest 50 of one chat; one message by id) timed over 1,000 queries each, the file
// size, and RSS compared with an in-memory array holding the same messages (what the seed's
// in-memory store did). Run: npx tsx bench/store.ts [messages] [chats]
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/store/db.js'
import { SqliteStore } from '../src/store/sqlite-store.js'
import type { StoredMessage } from '../src/store/types.js'

const TOTAL = Number(process.argv[2] ?? 1_000_000)
const CHATS = Number(process.argv[3] ?? 1_000)
const BATCH = 5_000
const QUERIES = 1_000
const TOKEN = 'bench'
const T0 = 1_700_000_000

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const rss = () => process.memoryUsage().rss
const chatJid = (c: number) => `62812${String(c).padStart(7, '0')}@s.whatsapp.net`
const idOf = (i: number) => `3EB0${i.toString(16).toUpperCase().padStart(18, '0')}`

/** Message i: chat i % CHATS, one second apart within a chat; a mix of texts and images like a real inbox. */
function message(i: number): StoredMessage {
  const chat = chatJid(i % CHATS)
  const fromMe = i % 3 === 0
  const key = { remoteJid: chat, fromMe, id: idOf(i) }
  const ts = T0 + Math.floor(i / CHATS)
  const content = i % 10 === 0
    ? { imageMessage: { url: `https://mmg.whatsapp.net/v/t62.7118-24/${i}.enc`, mimetype: 'image/jpeg', caption: `photo ${i}`, fileSha256: randomBytes(32).toString('base64'), fileLength: '48213', mediaKey: randomBytes(32).toString('base64'), directPath: `/v/t62.7118-24/${i}.enc` } }
    : { extendedTextMessage: { text: `message number ${i} in chat ${i % CHATS}: lorem ipsum dolor sit amet, consectetur adipiscing elit` } }
  return { key, message: content, messageTimestamp: ts, pushName: fromMe ? null : `Contact ${i % CHATS}`, status: fromMe ? 3 : 2 }
}

function percentiles(samples: number[]): { p50: string; p99: string; max: string } {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q: number) => `${(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 1000).toFixed(0)} µs`
  return { p50: at(0.5), p99: at(0.99), max: at(1) }
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

const dir = mkdtempSync(join(tmpdir(), 'wagw-bench-store-'))
console.log(`store bench: ${TOTAL.toLocaleString()} messages across ${CHATS.toLocaleString()} chats → ${dir}; node ${process.version}`)
const rssStart = rss()
const db = openDatabase(dir)
const store = new SqliteStore(db)

const started = Date.now()
for (let done = 0; done < TOTAL; done += BATCH) {
  const batch: StoredMessage[] = []
  for (let i = done; i < Math.min(TOTAL, done + BATCH); i++) batch.push(message(i))
  store.upsertMessages(TOKEN, batch)
  const n = Math.min(TOTAL, done + BATCH)
  if (n % 100_000 === 0 || n === TOTAL) {
    const secs = (Date.now() - started) / 1000
    console.log(`  inserted ${n.toLocaleString().padStart(9)}  ${secs.toFixed(1)} s  ${Math.round(n / secs).toLocaleString()} msg/s  rss ${mb(rss())}`)
  }
}
db.pragma('wal_checkpoint(TRUNCATE)')
const insertSecs = (Date.now() - started) / 1000

// Hot reads on a warm store, each over QUERIES random chats / ids.
const latest: number[] = []
const byId: number[] = []
for (let q = 0; q < QUERIES; q++) {
  const chat = chatJid(Math.floor(Math.random() * CHATS))
  let got = 0
  latest.push(time(() => (got = store.listMessages(TOKEN, chat, { limit: 50 }).messages.length)))
  if (got !== Math.min(50, Math.floor(TOTAL / CHATS))) throw new Error(`latest 50 of ${chat} returned ${got}`)
  const i = Math.floor(Math.random() * TOTAL)
  let found: StoredMessage | undefined
  byId.push(time(() => (found = store.findMessage(TOKEN, idOf(i)))))
  if (found?.key.id !== idOf(i)) throw new Error(`message ${idOf(i)} not found`)
}
const pagesBack: number[] = []
const deepChat = chatJid(7)
let cursor: string | undefined
for (let q = 0; q < 20; q++) {
  pagesBack.push(time(() => (cursor = store.listMessages(TOKEN, deepChat, { limit: 50, before: cursor }).nextBefore)))
}

const file = join(dir, 'gateway.db')
const size = statSync(file).size + (existsSync(file + '-wal') ? statSync(file + '-wal').size : 0)
const rssSqlite = rss()
console.log(`\ninsert: ${insertSecs.toFixed(1)} s (${Math.round(TOTAL / insertSecs).toLocaleString()} msg/s, ${BATCH.toLocaleString()} per transaction)`)
console.log(`latest 50 of one chat (${QUERIES} random chats):`, percentiles(latest))
console.log(`one message by id / getMessage (${QUERIES} random ids):`, percentiles(byId))
console.log('paging back 20 pages of 50 in one chat:', percentiles(pagesBack))
console.log(`file: ${mb(size)} (${(size / TOTAL).toFixed(0)} bytes per message, indexes included)`)
console.log(`RSS with the SQLite store: ${mb(rssSqlite)} (start ${mb(rssStart)}, +${mb(rssSqlite - rssStart)})`)
db.close()
rmSync(dir, { recursive: true, force: true })

// The same messages held in memory, like an in-memory store (one array per chat).
console.log('\nin-memory comparison: building the same messages as JS objects…')
const rssBefore = rss()
const memory = new Map<string, StoredMessage[]>()
for (let i = 0; i < TOTAL; i++) {
  const m = message(i)
  const list = memory.get(m.key.remoteJid!) ?? []
  list.push(m)
  memory.set(m.key.remoteJid!, list)
  if ((i + 1) % 250_000 === 0) console.log(`  held ${(i + 1).toLocaleString().padStart(9)}  rss ${mb(rss())}`)
}
const rssMemory = rss()
console.log(`RSS with an in-memory array of the same messages: ${mb(rssMemory)} (+${mb(rssMemory - rssBefore)} for the messages)`)
console.log(`→ the SQLite store grew RSS by ${mb(rssSqlite - rssStart)}; holding them in memory costs ${mb(rssMemory - rssBefore)} (${((rssMemory - rssBefore) / Math.max(1, rssSqlite - rssStart)).toFixed(1)}×)`)
console.log(`(chats held: ${memory.size})`)
