// Send throughput: POST /api/whatsapp/send-text through the whole gateway (HTTP, validation, the
// messenger, Baileys) vs raw `sock.sendMessage` on a bare Baileys socket, both paired to the same
// in-process simulator and sending to the same simulated contact.
//   npx tsx bench/send.ts [N=400] [--concurrency=8] [--rounds=2]
// Prints both rates and, last, the ratio gateway / raw.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DisconnectReason, makeWASocket, useMultiFileAuthState, type WASocket } from '@whiskeysockets/baileys'
import pino from 'pino'
import { AUTH, startHarness, type Harness } from '../test/helpers/harness.js'
import type { SimContact, Simulator } from '../src/simulator/index.js'

function parseArgs(argv: string[]) {
  let n = 400
  let concurrency = 8
  let rounds = 2
  for (const a of argv) {
    if (/^\d+$/.test(a)) n = Number(a)
    else if (a.startsWith('--concurrency=')) concurrency = Number(a.slice(14))
    else if (a.startsWith('--rounds=')) rounds = Number(a.slice(9))
    else throw new Error(`unknown argument "${a}"; usage: npx tsx bench/send.ts [N] [--concurrency=C] [--rounds=R]`)
  }
  if (!(n >= 1 && concurrency >= 1 && rounds >= 1)) throw new Error('N, concurrency and rounds must be >= 1')
  return { n, concurrency, rounds }
}

/** Runs `n` tasks with at most `concurrency` in flight; resolves with messages per second. */
async function rate(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < n; i = next++) await task(i)
  }))
  return n / ((performance.now() - started) / 1000)
}

/** A bare Baileys socket paired by QR to the simulator (the 515 restart handled like any client must). */
async function rawSocket(sim: Simulator, dir: string): Promise<WASocket> {
  const { state, saveCreds } = await useMultiFileAuthState(dir)
  const logger = pino({ level: 'silent' })
  return new Promise((resolve, reject) => {
    const start = () => {
      const sock = makeWASocket({
        waWebSocketUrl: sim.wsUrl, auth: state, logger, markOnlineOnConnect: false, syncFullHistory: false, shouldSyncHistoryMessage: () => false,
      })
      sock.ev.on('creds.update', saveCreds)
      sock.ev.on('connection.update', ({ qr, connection, lastDisconnect }) => {
        if (qr) void sim.scanQr(qr).catch(reject)
        if (connection === 'open') resolve(sock)
        if (connection === 'close') {
          const code = (lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode
          if (code === DisconnectReason.restartRequired) start()
          else reject(new Error(`raw socket closed: ${code}`))
        }
      })
    }
    start()
  })
}

const { n, concurrency, rounds } = parseArgs(process.argv.slice(2))
const rawDir = mkdtempSync(join(tmpdir(), 'wagw-bench-send-'))
let h: Harness | undefined
let raw: WASocket | undefined
try {
  h = await startHarness({ env: { LOG_LEVEL: 'silent' } })
  const token = 'bench-send'
  const contact: SimContact = await h.sim.createContact({ name: 'Sink' })
  await h.pair(token)
  raw = await rawSocket(h.sim, rawDir)
  const auth = `Basic ${Buffer.from(`${AUTH}:`).toString('base64')}`
  const viaGateway = async (i: number) => {
    const res = await fetch(`${h!.baseUrl}/api/whatsapp/send-text`, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ token, number: contact.number, text: `gw ${i}` }),
    })
    if (res.status !== 200) throw new Error(`send-text answered ${res.status}: ${await res.text()}`)
    await res.arrayBuffer()
  }
  const viaRaw = async (i: number) => {
    await raw!.sendMessage(contact.jid, { text: `raw ${i}` })
  }
  // Warm-up: Signal sessions, usync caches and the HTTP keep-alive pool exist before timing.
  await rate(concurrency, concurrency, viaGateway)
  await rate(concurrency, concurrency, viaRaw)

  console.log(`send bench: N=${n} messages per run, concurrency ${concurrency}, ${rounds} round(s) each; node ${process.version}`)
  const gw: number[] = []
  const rw: number[] = []
  for (let r = 0; r < rounds; r++) {
    rw.push(await rate(n, concurrency, viaRaw))
    gw.push(await rate(n, concurrency, viaGateway))
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  // Every timed message must really arrive decrypted, or the rates mean nothing.
  const expected = 2 * (rounds * n + concurrency)
  await contact.waitForMessage(() => contact.received().length >= expected, 60_000).catch(() => undefined)
  const got = contact.received().length
  if (got < expected) throw new Error(`the contact decrypted ${got} of ${expected} messages`)
  console.log(`delivered and decrypted by the simulated contact: ${got}/${expected}`)
  console.log(`raw Baileys sock.sendMessage: ${mean(rw).toFixed(1)} msg/s  (runs: ${rw.map((x) => x.toFixed(1)).join(', ')})`)
  console.log(`gateway POST send-text:       ${mean(gw).toFixed(1)} msg/s  (runs: ${gw.map((x) => x.toFixed(1)).join(', ')})`)
  console.log(`ratio gateway / raw: ${(mean(gw) / mean(rw)).toFixed(2)}`)
} finally {
  await raw?.end(undefined).catch(() => undefined)
  await h?.close()
  rmSync(rawDir, { recursive: true, force: true })
}
process.exit(0)
