// Socket.IO push: the handshake needs AUTH; events go to a room per instance token. A client
// that names tokens (auth.tokens or `subscribe`) gets only those; one naming none gets all.
// `auth.tokens` is a LIMIT: such a client can never subscribe beyond it, and a present but empty
// or invalid list is refused at the handshake (it must not silently mean "all").
import type { Server as HttpServer } from 'node:http'
import { Server } from 'socket.io'
import { isAuthorized, safeEqual } from '../http/auth.js'
import { isValidToken } from '../sessions/token.js'
import type { EventBus, GatewayEventName, GatewayEvents } from './bus.js'

const ALL_ROOM = 'all-instances'
const roomOf = (token: string) => `token:${token}`

export function createSocketGateway(httpServer: HttpServer, bus: EventBus, opts: { auth: string; origin: string }): Server {
  const io = new Server(httpServer, { cors: { origin: opts.origin, credentials: true } })

  io.use((socket, next) => {
    const key = (socket.handshake.auth as { key?: unknown } | undefined)?.key
    const ok = typeof key === 'string' ? safeEqual(key, opts.auth) : isAuthorized(opts.auth, socket.handshake.headers.authorization)
    if (!ok) return next(new Error('unauthorized'))
    const tokens = (socket.handshake.auth as { tokens?: unknown } | undefined)?.tokens
    if (tokens !== undefined && !isTokenList(tokens)) {
      return next(new Error('invalid tokens: auth.tokens must be a non-empty array of instance tokens, or left out for all instances'))
    }
    next()
  })

  io.on('connection', (socket) => {
    const tokens = (socket.handshake.auth as { tokens?: string[] } | undefined)?.tokens
    const allowed = tokens ? new Set(tokens) : undefined
    if (allowed) void socket.join([...allowed].map(roomOf))
    else void socket.join(ALL_ROOM)
    socket.on('subscribe', (payload: { token?: unknown } | undefined, ack?: (r: unknown) => void) => {
      const token = payload?.token
      if (!isValidToken(token)) return ack?.({ status: false, message: 'invalid token' })
      if (allowed && !allowed.has(token)) return ack?.({ status: false, message: `token "${token}" is not in this connection's auth.tokens` })
      void socket.leave(ALL_ROOM)
      void socket.join(roomOf(token))
      ack?.({ status: true, data: { token } })
    })
    socket.on('unsubscribe', (payload: { token?: unknown } | undefined) => {
      if (isValidToken(payload?.token)) void socket.leave(roomOf(payload.token))
    })
  })

  const forward = <E extends GatewayEventName>(event: E, payload: GatewayEvents[E]) => {
    const token = (payload as { token?: string }).token
    const target = token ? io.to(ALL_ROOM).to(roomOf(token)) : io.to(ALL_ROOM)
    target.emit(event, payload)
    // The seed's dashboards also listen to `message {message}` for every message.
    if (event === 'message-upsert') target.emit('message', { message: (payload as GatewayEvents['message-upsert']).message })
  }
  bus.onAny(forward)
  return io
}

const MAX_TOKENS_PER_CLIENT = 1000

function isTokenList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.length <= MAX_TOKENS_PER_CLIENT && v.every(isValidToken)
}
