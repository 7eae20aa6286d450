// The dashboard's shared state: known instances, the selected one, and sandbox mode. Sections
// subscribe and re-render; nothing else keeps copies.

export const state = {
  /** token → {token, state, user, qr (data URL), pairingCode, lastError} */
  instances: new Map(),
  selected: null,
  sandbox: false,
}

const listeners = new Set()
export const subscribe = (fn) => listeners.add(fn)
export function notify(what = 'instances') {
  for (const fn of listeners) fn(what)
}

/** Merges fields into an instance (creating it) and notifies. */
export function upsertInstance(token, fields) {
  const cur = state.instances.get(token) ?? { token, state: 'connecting', user: null }
  const next = { ...cur, ...fields }
  // A QR or a pairing code only means something while the instance waits to be linked
  // (the session announces state 'qr' before each new code).
  if (next.state !== 'qr') {
    next.qr = null
    next.pairingCode = null
  }
  state.instances.set(token, next)
  if (!state.selected) state.selected = token
  notify('instances')
}

export function removeInstance(token) {
  state.instances.delete(token)
  if (state.selected === token) state.selected = state.instances.keys().next().value ?? null
  notify('instances')
}

export function select(token) {
  if (state.selected === token) return
  state.selected = token
  notify('selected')
}
