// Sessions benchmark (issue 3): N sessions paired through the real gateway vs N raw Baileys sockets with
// useMultiFileAuthState, against the simulator running in its own process (so it is not counted).
//   npx tsx bench/sessions.ts [N=200] [--only=gateway|raw] [--raw-n=M]
// Env: PAIRING_CONCURRENCY (gateway; its default otherwise), BENCH_RAW_CONCURRENCY (0 = all at once),
// BENCH_LOGIN_TIMEOUT_S, BENCH_BOOT_TIMEOUT_S, BENCH_STALL_S, BENCH_VERBOSE=1 (echo children's logs),
// BENCH_CHILD_FLAGS (extra node flags for the gateway / raw children, e.g. --cpu-prof). The gateway child
// also sees the rest of the environment (e.g. STORE=false to measure it without the message store).
// Each phase gets a fresh simulator process and a fresh temp folder; everything is removed at the end.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runGatewayPhase } from './sessions/gateway-phase.js'
import { closeHttpAgent } from './sessions/http.js'
import type { SimInfo } from './sessions/ipc.js'
import { readyOf, type Figures, type PhaseContext } from './sessions/measure.js'
import { Child, killAllChildren } from './sessions/proc.js'
import { runRawPhase } from './sessions/raw-phase.js'
import { printReport } from './sessions/report.js'

function parseArgs(argv: string[]) {
  let n = 200
  let rawN: number | undefined
  let only: 'gateway' | 'raw' | undefined
  for (const a of argv) {
    if (/^\d+$/.test(a)) n = Number(a)
    else if (a.startsWith('--raw-n=')) rawN = Number(a.slice(8))
    else if (a === '--only=gateway' || a === '--only=raw') only = a.slice(7) as 'gateway' | 'raw'
    else throw new Error(`unknown argument "${a}"; usage: npx tsx bench/sessions.ts [N] [--only=gateway|raw] [--raw-n=M]`)
  }
  if (!(n >= 1) || (rawN !== undefined && !(rawN >= 1))) throw new Error('N must be a whole number >= 1')
  return { n, rawN: rawN ?? n, only }
}

const envSeconds = (name: string, def: number) => 1000 * (Number(process.env[name]) || def)

const args = parseArgs(process.argv.slice(2))
const root = mkdtempSync(join(tmpdir(), 'wagw-bench-'))
const cleanup = () => {
  killAllChildren()
  rmSync(root, { recursive: true, force: true })
}
process.once('exit', cleanup)
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130))

/** One phase against its own fresh simulator process. */
async function phase(name: string, n: number, run: (ctx: PhaseContext) => Promise<Figures>): Promise<Figures> {
  const dir = join(root, name)
  mkdirSync(dir)
  const sim = new Child('simulator', 'sim-server.ts', { BENCH_SIM_DIR: dir, SIM_LOG_LEVEL: 'silent' })
  try {
    const info = await readyOf<SimInfo>(sim)
    return await run({
      n, sim: info, simPid: sim.pid, dir,
      loginTimeoutMs: envSeconds('BENCH_LOGIN_TIMEOUT_S', Math.max(600, n * 3)),
      bootTimeoutMs: envSeconds('BENCH_BOOT_TIMEOUT_S', Math.max(180, n)),
      stallMs: envSeconds('BENCH_STALL_S', 180),
    })
  } finally {
    await sim.stop(5000)
  }
}

const started = performance.now()
console.log(`sessions bench: gateway N=${args.only === 'raw' ? '-' : args.n}, raw Baileys N=${args.only === 'gateway' ? '-' : args.rawN}; node ${process.version}`)
try {
  const gateway = args.only === 'raw' ? undefined : await phase('gateway', args.n, runGatewayPhase)
  const raw = args.only === 'gateway' ? undefined : await phase('raw', args.rawN, runRawPhase)
  printReport(gateway, raw)
  console.log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`)
  closeHttpAgent()
  process.exit(0)
} catch (err) {
  console.error(`\nbench failed after ${((performance.now() - started) / 1000).toFixed(0)} s: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
