// How long one hostile body blocks the event loop: POST send-list-message with ROWS list rows (the
// security review's 32k-row, ~1 MB body) while GET /api/whatsapp/instances is polled; prints the
// worst latency of the poll and how long the bad request took. No WhatsApp needed.
//   npx tsx bench/validation-freeze.ts [ROWS=32000]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { createLogger } from '../src/logger.js'

const rows = Number(process.argv[2] ?? 32_000)
const AUTH = 'freeze-bench-key-123'
const root = mkdtempSync(join(tmpdir(), 'wagw-freeze-'))
const config = loadConfig({
  AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', WA_WS_URL: 'ws://127.0.0.1:9',
  CREDENTIALS_DIR: join(root, 'credentials'), DATA_DIR: join(root, 'data'), SCHEDULER_FILE: join(root, 'scheduler.json'),
})
const app = await createApp({ config, logger: createLogger('silent') })
const base = `http://127.0.0.1:${await app.listen()}`
const headers = { authorization: `Basic ${Buffer.from(`${AUTH}:`).toString('base64')}`, 'content-type': 'application/json' }
const body = JSON.stringify({
  token: 'tok1', number: '6281234567890', text: 'menu', buttonText: 'open',
  list: [{ title: 's', rows: Array.from({ length: rows }, (_, i) => ({ title: 'r', rowId: String(i) })) }],
})

// Warm up (first requests JIT-compile the stack) so the figure is about the body alone.
for (let i = 0; i < 20; i++) await (await fetch(`${base}/api/whatsapp/instances`, { headers })).arrayBuffer()
await (await fetch(`${base}/api/whatsapp/send-list-message`, { method: 'POST', headers, body: '{"list": [1]}' })).arrayBuffer()

let worst = 0
let done = false
const poll = (async () => {
  while (!done) {
    const t = performance.now()
    await (await fetch(`${base}/api/whatsapp/instances`, { headers })).arrayBuffer()
    worst = Math.max(worst, performance.now() - t)
  }
})()
const started = performance.now()
const res = await fetch(`${base}/api/whatsapp/send-list-message`, { method: 'POST', headers, body })
const answer = (await res.text()).slice(0, 120)
const took = performance.now() - started
done = true
await poll
console.log(`body ${(body.length / 1e6).toFixed(2)} MB, ${rows} rows → HTTP ${res.status} in ${(took / 1000).toFixed(2)} s: ${answer}`)
console.log(`worst concurrent GET /api/whatsapp/instances latency: ${(worst / 1000).toFixed(3)} s`)
await app.close()
rmSync(root, { recursive: true, force: true })
process.exit(0)
