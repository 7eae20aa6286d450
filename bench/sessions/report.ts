// The result table, then the gateway / raw Baileys ratios (last, as the issue asks).
import type { Figures } from './measure.js'

type Row = [label: string, pick: (f: Figures) => number, fmt: (v: number) => string, ratio: boolean]

const f0 = (v: number) => v.toFixed(0)
const f1 = (v: number) => v.toFixed(1)
const f3 = (v: number) => v.toFixed(3)

const ROWS: Row[] = [
  ['sessions (N)', (f) => f.n, f0, false],
  ['first logins, all N (s)', (f) => f.firstLoginsS, f1, true],
  ['peak RSS during first logins (MB)', (f) => f.peakMb, f0, true],
  ['RSS, fresh process, 0 sessions (MB)', (f) => f.baselineMb, f0, false],
  ['RSS, N idle, after GC + 10 s (MB)', (f) => f.idleMb, f0, false],
  ['RSS per idle session (MB)', (f) => f.perSessionMb, f3, true],
  ['fresh process → all N open (s)', (f) => f.bootS, f1, true],
  ['peak RSS of that fresh process (MB)', (f) => f.bootPeakMb, f0, true],
  ['QR scans refused and retried', (f) => f.scanRetries, f0, false],
  ['unhandled errors survived (raw only)', (f) => f.errors, f0, false],
  ['log lines (warn+) from the children', (f) => f.logLines, f0, false],
  ['simulator peak RSS, not counted (MB)', (f) => f.simPeakMb, f0, false],
]

export function printReport(gateway?: Figures, raw?: Figures): void {
  const cols = [gateway ? 'gateway' : undefined, raw ? 'raw Baileys' : undefined].filter((c): c is string => !!c)
  const width = Math.max(...ROWS.map((r) => r[0].length))
  console.log('\n' + ['', ...cols].map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(14))).join(''))
  for (const [label, pick, fmt] of ROWS) {
    const cells = [gateway, raw].filter((f): f is Figures => !!f).map((f) => fmt(pick(f)).padStart(14))
    console.log(label.padEnd(width) + cells.join(''))
  }
  if (!gateway || !raw) return
  console.log('\nratios, gateway / raw Baileys (below 1 = the gateway uses less):')
  if (gateway.n !== raw.n) console.log(`  (N differs: gateway ${gateway.n}, raw ${raw.n}; only the per-session ratio compares like with like)`)
  for (const [label, pick, , ratio] of ROWS) {
    if (!ratio) continue
    const r = pick(raw) > 0 ? pick(gateway) / pick(raw) : NaN
    console.log(`  ${label.padEnd(width)} ${Number.isFinite(r) ? r.toFixed(2) : 'n/a'}`)
  }
}
