// Waiting for an instance to be connected (the bulk queue pauses while it is not).
import type { EventBus } from '../events/bus.js'
import type { SessionManager } from '../sessions/manager.js'

/** Resolves true once the instance is open, false when it logged out or `signal` aborts. */
export function waitForOpen(sessions: SessionManager, bus: EventBus, token: string, signal: AbortSignal): Promise<boolean> {
  const s = sessions.get(token)
  if (s?.state === 'open' && s.socket) return Promise.resolve(true)
  if (s?.state === 'logged-out' || signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      offState()
      signal.removeEventListener('abort', onAbort)
      resolve(v)
    }
    const onAbort = () => done(false)
    // An instance that is not there yet (boot: batches resume before autostart) is waited for too.
    const offState = bus.on('connection-state', (p) => {
      if (p.token !== token) return
      if (p.state === 'open') done(true)
      else if (p.state === 'logged-out') done(false)
    })
    signal.addEventListener('abort', onAbort)
  })
}
