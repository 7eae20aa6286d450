// Raw Baileys phase: N makeWASocket + useMultiFileAuthState in a child process (bench/sessions/raw-child.ts),
// paired by QR through the same simulator, measured exactly like the gateway.
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import { diesWith, elapsedS, idleRssMb, mb, progressPrinter, readyOf, waitForCount, type Figures, type PhaseContext } from './measure.js'
import { Child, procMb, resetPeak, RssSampler } from './proc.js'
import type { FromChild } from './ipc.js'
import { Abort, Scanner } from './scanner.js'

/** Same admission as the gateway unless told otherwise: its PAIRING_CONCURRENCY (env or default). */
function rawConcurrency(): string {
  return process.env.BENCH_RAW_CONCURRENCY ?? String(loadConfig({ AUTH: 'bench-only-key-0001', PAIRING_CONCURRENCY: process.env.PAIRING_CONCURRENCY }).pairingConcurrency)
}

export async function runRawPhase(ctx: PhaseContext): Promise<Figures> {
  const concurrency = rawConcurrency()
  const env = (mode: 'pair' | 'boot'): Record<string, string> => ({
    LOG_LEVEL: 'warn', BENCH_MODE: mode, BENCH_AUTH_ROOT: join(ctx.dir, 'auth'), BENCH_RAW_CONCURRENCY: concurrency,
    BENCH_SIM_WS_URL: ctx.sim.wsUrl, BENCH_SIM_ROOT_KEY: ctx.sim.rootPublicKey, BENCH_SIM_CA_FILE: ctx.sim.caFile,
  })

  console.log(`raw Baileys: fresh process (useMultiFileAuthState, ${concurrency === '0' ? 'all sockets at once' : `${concurrency} pairings at a time`}), 0 sockets`)
  const raw = new Child('raw-baileys', 'raw-child.ts', env('pair'), { measured: true })
  await readyOf(raw)
  const baselineMb = await idleRssMb(raw)
  console.log(`  baseline (0 sockets, after GC + settle): ${mb(baselineMb)}`)

  const abort = new Abort()
  void diesWith(raw).catch((err: Error) => abort.fail(err))
  const scanner = new Scanner(ctx.sim, (err) => abort.fail(err))
  const opened = new Set<string>()
  let errors = 0
  let lastError = ''
  const countErrors = (m: FromChild) => {
    if (m.type !== 'error') return
    errors++
    lastError = m.message
  }
  raw.onMessage(countErrors)
  raw.onMessage((m) => {
    if (m.type === 'qr') scanner.offer(m.id, m.qr)
    if (m.type === 'open') opened.add(m.id)
    if (m.type === 'failed') abort.fail(new Error(`raw Baileys: ${m.id} failed: ${m.reason}`))
  })

  console.log(`raw Baileys: pairing ${ctx.n} sockets`)
  resetPeak(raw.pid) // the peak of the first logins only, not of start-up
  const sampler = new RssSampler(raw.pid)
  const t0 = performance.now()
  raw.send({ type: 'pair', n: ctx.n })
  await waitForCount(() => opened.size, ctx.n, {
    what: `raw Baileys: 'open' of all ${ctx.n} new sockets`,
    totalMs: ctx.loginTimeoutMs, stallMs: ctx.stallMs, abort: abort.promise,
    onProgress: progressPrinter('raw Baileys: paired', ctx.n, t0, () => raw.pid),
    describe: () => `${scanner.count} scanned, ${scanner.retries} scans refused (last: ${scanner.lastError || 'none'}); ${errors} unhandled errors (last: ${lastError || 'none'})`,
  })
  const firstLoginsS = elapsedS(t0)
  const peakMb = procMb(raw.pid, 'VmHWM')
  if (errors) console.log(`  ${errors} unhandled errors in the raw child so far (last: ${lastError})`)
  console.log(`  all ${ctx.n} open in ${firstLoginsS.toFixed(1)} s; peak RSS ${mb(peakMb)} (sampled max ${mb(sampler.stop())})`)

  const idleMb = await idleRssMb(raw)
  const perSessionMb = (idleMb - baselineMb) / ctx.n
  console.log(`  idle with ${ctx.n} open, after GC + settle: ${mb(idleMb)} → ${perSessionMb.toFixed(3)} MB per socket`)
  const tStop = performance.now()
  const how = await raw.stop()
  console.log(`  SIGTERM → exited (${how}) in ${elapsedS(tStop).toFixed(1)} s`)

  console.log('raw Baileys: fresh process on the same folders')
  const fresh = new Child('raw-baileys-boot', 'raw-child.ts', env('boot'), { measured: true })
  const bootOpen = new Set<string>()
  fresh.onMessage(countErrors)
  const bootAbort = new Abort()
  void diesWith(fresh).catch((err: Error) => bootAbort.fail(err))
  fresh.onMessage((m) => {
    if (m.type === 'open') bootOpen.add(m.id)
    if (m.type === 'qr') bootAbort.fail(new Error(`raw Baileys: ${m.id} asked for a new QR after a restart (credentials not kept)`))
    if (m.type === 'failed') bootAbort.fail(new Error(`raw Baileys: ${m.id} failed after a restart: ${m.reason}`))
  })
  await readyOf(fresh)
  console.log(`  ready ${elapsedS(fresh.spawnedAt).toFixed(1)} s after spawn (module load)`)
  await waitForCount(() => bootOpen.size, ctx.n, {
    what: `raw Baileys: all ${ctx.n} sockets open after a fresh start`,
    totalMs: ctx.bootTimeoutMs, stallMs: ctx.stallMs, abort: bootAbort.promise,
    onProgress: progressPrinter('raw Baileys: open again', ctx.n, fresh.spawnedAt, () => fresh.pid),
    describe: () => `${errors} unhandled errors (last: ${lastError || 'none'})`,
  })
  const bootS = elapsedS(fresh.spawnedAt)
  const bootPeakMb = procMb(fresh.pid, 'VmHWM')
  console.log(`  all ${ctx.n} open ${bootS.toFixed(1)} s after spawn; peak RSS ${mb(bootPeakMb)}`)
  await fresh.stop()

  return {
    n: ctx.n, baselineMb, firstLoginsS, peakMb, idleMb, perSessionMb, bootS, bootPeakMb,
    scanRetries: scanner.retries, errors, simPeakMb: procMb(ctx.simPid, 'VmHWM'), logLines: raw.logLines + fresh.logLines,
  }
}
