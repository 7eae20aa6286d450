// Gateway phase: the real gateway in a child process, paired through its HTTP API + Socket.IO exactly
// like a user (create-instance, `qrcode` event, the phone scans, `connection-open`), then measured.
import { join } from 'node:path'
import { io as ioClient, type Socket } from 'socket.io-client'
import { basicAuth, httpJson } from './http.js'
import { diesWith, elapsedS, idleRssMb, mb, progressPrinter, readyOf, waitForCount, type Figures, type PhaseContext } from './measure.js'
import { Child, procMb, resetPeak, RssSampler, withTimeout } from './proc.js'
import { Abort, Scanner } from './scanner.js'

const AUTH = 'bench-auth-key-0123'

interface Instance { token: string; state: string }

export async function runGatewayPhase(ctx: PhaseContext): Promise<Figures> {
  const env: Record<string, string> = {
    AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', WA_SANDBOX: 'true',
    CREDENTIALS_DIR: join(ctx.dir, 'credentials'), DATA_DIR: join(ctx.dir, 'data'), SCHEDULER_FILE: join(ctx.dir, 'scheduler.json'),
    BENCH_SIM_WS_URL: ctx.sim.wsUrl, BENCH_SIM_ROOT_KEY: ctx.sim.rootPublicKey, BENCH_SIM_CA_FILE: ctx.sim.caFile,
  }
  const spawnGateway = () => new Child('gateway', 'gateway-child.ts', env, { measured: true })
  const tokens = Array.from({ length: ctx.n }, (_, i) => `gw-${String(i + 1).padStart(4, '0')}`)

  console.log(`gateway: fresh process (PAIRING_CONCURRENCY=${process.env.PAIRING_CONCURRENCY ?? 'default'}), 0 sessions`)
  const gw = spawnGateway()
  const base = `http://127.0.0.1:${(await readyOf<{ port: number }>(gw)).port}`
  const baselineMb = await idleRssMb(gw)
  console.log(`  baseline (0 sessions, after GC + settle): ${mb(baselineMb)}`)

  const abort = new Abort()
  void diesWith(gw).catch((err: Error) => abort.fail(err))
  const scanner = new Scanner(ctx.sim, (err) => abort.fail(err))
  const socket = await connectSocket(base)
  const opened = new Set<string>()
  socket.on('qrcode', (p: { token: string; qr: string }) => scanner.offer(p.token, p.qr))
  socket.on('connection-open', (p: { token: string }) => opened.add(p.token))
  socket.on('qr-timeout', (p: { token: string }) => abort.fail(new Error(`gateway: ${p.token} gave up waiting for a scan (qr-timeout); last scan error: ${scanner.lastError || 'none'}`)))
  socket.on('connection-state', (p: { token: string; state: string; reason?: string }) => {
    if (p.state === 'failed' || p.state === 'logged-out') abort.fail(new Error(`gateway: ${p.token} is ${p.state} (${p.reason ?? ''})`))
  })

  console.log(`gateway: pairing ${ctx.n} instances through the HTTP API`)
  resetPeak(gw.pid) // the peak of the first logins only, not of start-up
  const sampler = new RssSampler(gw.pid)
  const t0 = performance.now()
  // all at once, as a user with many numbers would; the gateway queues them behind its pairing slots
  const creates = Promise.all(tokens.map(async (token) => {
    const res = await httpJson(`${base}/api/whatsapp/create-instance`, 'POST', { token }, basicAuth(AUTH))
    if (res.status !== 200) throw new Error(`create-instance ${token}: HTTP ${res.status} ${JSON.stringify(res.body)}`)
  }))
  creates.catch((err: Error) => abort.fail(err))
  await waitForCount(() => opened.size, ctx.n, {
    what: `gateway: connection-open of all ${ctx.n} new instances`,
    totalMs: ctx.loginTimeoutMs, stallMs: ctx.stallMs, abort: abort.promise,
    onProgress: progressPrinter('gateway: paired', ctx.n, t0, () => gw.pid),
    describe: async () => `${scanner.count} scanned, ${scanner.retries} scans refused (last: ${scanner.lastError || 'none'}); states: ${await states(base)}`,
  })
  const firstLoginsS = elapsedS(t0)
  await withTimeout(creates, 30_000, 'the last create-instance answers')
  const peakMb = procMb(gw.pid, 'VmHWM')
  console.log(`  all ${ctx.n} open in ${firstLoginsS.toFixed(1)} s; peak RSS ${mb(peakMb)} (sampled max ${mb(sampler.stop())})`)
  socket.close()

  const idleMb = await idleRssMb(gw)
  const perSessionMb = (idleMb - baselineMb) / ctx.n
  console.log(`  idle with ${ctx.n} open, after GC + settle: ${mb(idleMb)} → ${perSessionMb.toFixed(3)} MB per session`)
  const tStop = performance.now()
  const how = await gw.stop()
  console.log(`  SIGTERM → exited (${how}) in ${elapsedS(tStop).toFixed(1)} s`)

  console.log('gateway: fresh process on the same folders (autostart)')
  const fresh = spawnGateway()
  const freshBase = `http://127.0.0.1:${(await readyOf<{ port: number }>(fresh)).port}`
  console.log(`  listening ${elapsedS(fresh.spawnedAt).toFixed(1)} s after spawn (module load + createApp)`)
  let openNow = 0
  const countOpen = async () => {
    try {
      openNow = (await withTimeout(list(freshBase), 30_000, 'GET /api/whatsapp/instances')).filter((i) => i.state === 'open').length
    } catch {
      // a busy or slow answer is not a failure; the stall/total timeout bounds the wait
    }
    return openNow
  }
  await waitForCount(countOpen, ctx.n, {
    what: `gateway: all ${ctx.n} instances open after a fresh start`,
    totalMs: ctx.bootTimeoutMs, stallMs: ctx.stallMs, abort: diesWith(fresh),
    onProgress: progressPrinter('gateway: open again', ctx.n, fresh.spawnedAt, () => fresh.pid),
    describe: () => states(freshBase),
  })
  const bootS = elapsedS(fresh.spawnedAt)
  const bootPeakMb = procMb(fresh.pid, 'VmHWM')
  console.log(`  all ${ctx.n} open ${bootS.toFixed(1)} s after spawn; peak RSS ${mb(bootPeakMb)}`)
  await fresh.stop()

  return {
    n: ctx.n, baselineMb, firstLoginsS, peakMb, idleMb, perSessionMb, bootS, bootPeakMb,
    scanRetries: scanner.retries, errors: 0, simPeakMb: procMb(ctx.simPid, 'VmHWM'), logLines: gw.logLines + fresh.logLines,
  }
}

async function connectSocket(base: string): Promise<Socket> {
  const socket = ioClient(base, { auth: { key: AUTH }, transports: ['websocket'], reconnection: false })
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  }), 15_000, 'the Socket.IO connection to the gateway')
  return socket
}

async function list(base: string): Promise<Instance[]> {
  const res = await httpJson(`${base}/api/whatsapp/instances`, 'GET', undefined, basicAuth(AUTH))
  if (res.status !== 200) throw new Error(`GET /api/whatsapp/instances: HTTP ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body as { data: Instance[] }).data
}

/** "open: 190, qr: 10" — for error messages. */
async function states(base: string): Promise<string> {
  try {
    const counts = new Map<string, number>()
    for (const i of await list(base)) counts.set(i.state, (counts.get(i.state) ?? 0) + 1)
    return [...counts].map(([s, c]) => `${s}: ${c}`).join(', ') || 'no instances'
  } catch (err) {
    return `(could not list instances: ${String(err)})`
  }
}
