// Socket.IO push, with the client the server itself serves (no CDN). Handlers registered with
// on() survive reconnects and sign-ins; the handshake carries the AUTH key in `auth.key`.
import { io } from '/socket.io/socket.io.esm.min.js'

const handlers = new Map()
let socket = null

export function on(event, fn) {
  if (!handlers.has(event)) handlers.set(event, new Set())
  handlers.get(event).add(fn)
}

function dispatch(event, payload) {
  for (const fn of handlers.get(event) ?? []) {
    try {
      fn(payload)
    } catch (err) {
      console.error(`handler for ${event} failed`, err)
    }
  }
}

/** Connects with the key; onStatus('live' | 'connecting' | 'offline'), onUnauthorized(message). */
export function connect(key, { onStatus, onUnauthorized }) {
  disconnect()
  socket = io({ auth: { key } })
  onStatus('connecting')
  socket.on('connect', () => onStatus('live'))
  socket.on('disconnect', () => onStatus('offline'))
  socket.on('connect_error', (err) => {
    if (/unauthorized/i.test(err.message)) {
      onUnauthorized(`the live connection was refused: ${err.message}`)
      disconnect()
    } else onStatus('offline')
  })
  socket.onAny((event, payload) => dispatch(event, payload))
}

export function disconnect() {
  socket?.close()
  socket = null
}
