// History sync on link: one account whose simulated phone pushes CHATS × MESSAGES, linked to the
// whole gateway (real Baileys, store ingestion) with SYNC_HISTORY=recent, against the same push
// with SYNC_HISTORY=off. Each mode runs in its own child process so peak RSS is not shared.
//   npx tsx bench/history.ts [--chats=500] [--messages=100]
// Prints, per mode: time from the scan until the store holds every message (recent) or the last
// chunk was handled (off), messages stored, and the process's peak RSS (sampled every 20 ms;
// gateway and simulator share the process, the simulator holds one chunk at a time).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startHarness, waitForEvent } from '../test/helpers/harness.js'

interface Result { mode: string; chats: number; messages: number; stored: number; seconds: number; baselineRssMb: number; peakRssMb: number }

const arg = (name: string, def: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  return a ? Number(a.slice(name.length + 3)) : def
}

async function runMode(mode: string, chats: number, messages: number): Promise<Result> {
  const h = await startHarness({ env: { SYNC_HISTORY: mode } })
  const token = 'bench'
  const count = h.app.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM store_messages WHERE token = ?')
  const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
  try {
    const s = await h.socket({ tokens: [token] })
    const qr = waitForEvent(s, 'qrcode')
    await h.api('POST', '/api/whatsapp/create-instance', { token })
    await qr
    const pushed = new Promise<void>((resolve) => h.sim.once('history-pushed', () => resolve()))
    const started = performance.now()
    const scan = await h.api('POST', '/api/sandbox/scan', { token, history: { chats, messages } })
    if (scan.status !== 200) throw new Error(`scan failed: ${JSON.stringify(scan.body)}`)
    await pushed
    const want = mode === 'off' ? 0 : chats * messages
    // recent: until every message is stored; off: until Baileys has handled (acked) the last chunk
    for (let quiet = 0; ;) {
      const n = count.get(token)?.n ?? 0
      if (mode !== 'off' && n >= want) break
      if (mode === 'off' && ++quiet > 25) break // 0.5 s after the push with nothing stored
      if (performance.now() - started > 600_000) throw new Error(`timed out with ${n}/${want} messages stored`)
      await new Promise((r) => setTimeout(r, 20))
    }
    const seconds = (performance.now() - started) / 1000
    s.close()
    return { mode, chats, messages, stored: count.get(token)?.n ?? 0, seconds: Math.round(seconds * 100) / 100, baselineRssMb: mb(baseline), peakRssMb: mb(peak) }
  } finally {
    clearInterval(sampler)
    await h.close()
  }
}

const chats = arg('chats', 500)
const messages = arg('messages', 100)
const mode = process.argv.find((x) => x.startsWith('--mode='))?.slice(7)
if (mode) {
  const r = await runMode(mode, chats, messages)
  console.log(JSON.stringify(r))
  process.exit(0)
} else {
  const self = fileURLToPath(import.meta.url)
  for (const m of ['off', 'recent']) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, `--mode=${m}`, `--chats=${chats}`, `--messages=${messages}`], { encoding: 'utf8' })
    const line = out.trim().split('\n').pop() ?? ''
    const r = JSON.parse(line) as Result
    console.log(`${r.mode.padEnd(7)} ${r.chats} chats × ${r.messages} msgs: ${r.stored} stored in ${r.seconds} s; RSS ${r.baselineRssMb} MB before, peak ${r.peakRssMb} MB`)
  }
}
