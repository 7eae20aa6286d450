// Messages between the bench orchestrator and its children (Node IPC channel, plain JSON).

/** Orchestrator → child. */
export type ToChild =
  | { type: 'gc' }
  /** raw child only: start `n` fresh sockets that pair by QR */
  | { type: 'pair'; n: number }

/** Child → orchestrator. */
export type FromChild =
  | { type: 'gc-done' }
  /** raw child: socket `id` shows a QR that the simulated phone should scan */
  | { type: 'qr'; id: string; qr: string }
  /** raw child: socket `id` reached `open` (first login or boot) */
  | { type: 'open'; id: string }
  /** raw child: a close it will not recover from */
  | { type: 'failed'; id: string; reason: string }
  /** raw child: an unhandled rejection (e.g. EMFILE from useMultiFileAuthState); counted, not fatal */
  | { type: 'error'; message: string }

/** The one line a child prints on stdout once it is ready (other stdout lines are logs). */
export const READY_PREFIX = 'BENCH_READY '

/** The simulator process's ready line payload. */
export interface SimInfo {
  wsUrl: string
  /** base64 */
  rootPublicKey: string
  caFile: string
  controlPort: number
}
