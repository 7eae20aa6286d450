// Socket.IO push: the handshake needs a key (the admin AUTH key or a scoped API key); events go to
// a room per instance token. A client that names tokens (auth.tokens or `subscribe`) gets only
// those; one naming none gets all it may see: every instance for the admin key, the instances its
// patterns match for an API key. Revoking a key disconnects its sockets at once.
// `auth.tokens` is a LIMIT: such a client can never subscribe beyond it, and a present but empty
// or invalid list is refused at the handshake (it must not silently mean "all").
import type { Server as HttpServer } from 'node:http'
import { Server, type Socket } from 'socket.io'
import { keyFromHeader, type Authenticator } from '../http/auth.js'
import type { Scope } from '../http/scope.js'
import { isValidToken } from '../sessions/token.js'
import type { EventBus, GatewayEventName, GatewayEvents } from './bus.js'

const ALL_ROOM = 'all-instances'
const roomOf = (token: string) => `token:${token}`
/** Every socket of an API key (to disconnect them on revoke). */
const keyRoom = (id: string) => `key:${id}`
/** Sockets of an API key that asked for everything the key may see. */
const keyAllRoom = (id: string) => `key-all:${id}`

export interface SocketGateway {
  io: Server
  /** Disconnects every socket that authenticated with this API key. */
  revokeKey(id: string): void
}

const scopeOf = (socket: Socket) => (socket.data as { scope: Scope }).scope

export function createSocketGateway(httpServer: HttpServer, bus: EventBus, opts: { authenticate: Authenticator; origin: string }): SocketGateway {
  const io = new Server(httpServer, { cors: { origin: opts.origin, credentials: true } })
  /** key id → its scope, for the API keys with sockets in their key-all room. */
  const keyScopes = new Map<string, Scope>()

  io.use((socket, next) => {
    const key = (socket.handshake.auth as { key?: unknown } | undefined)?.key
    const presented = typeof key === 'string' ? key : keyFromHeader(socket.handshake.headers.authorization)
    const tokens = (socket.handshake.auth as { tokens?: unknown } | undefined)?.tokens
    opts.authenticate(presented).then(
      (scope) => {
        if (!scope) return next(new Error('unauthorized'))
        if (tokens !== undefined && !isTokenList(tokens)) {
          return next(new Error('invalid tokens: auth.tokens must be a non-empty array of instance tokens, or left out for all instances'))
        }
        ;(socket.data as { scope: Scope }).scope = scope
        next()
      },
      () => next(new Error('unauthorized')),
    )
  })

  io.on('connection', (socket) => {
    const scope = scopeOf(socket)
    if (scope.keyId) void socket.join(keyRoom(scope.keyId))
    const tokens = (socket.handshake.auth as { tokens?: string[] } | undefined)?.tokens
    // Named tokens limit this connection for good; those outside the key's scope are left out quietly.
    const allowed = tokens ? new Set(tokens.filter((t) => scope.allows(t))) : undefined
    if (allowed) void socket.join([...allowed].map(roomOf))
    else if (scope.admin) void socket.join(ALL_ROOM)
    else if (scope.keyId) {
      keyScopes.set(scope.keyId, scope)
      void socket.join(keyAllRoom(scope.keyId))
    }
    socket.on('subscribe', (payload: { token?: unknown } | undefined, ack?: (r: unknown) => void) => {
      const token = payload?.token
      if (!isValidToken(token)) return ack?.({ status: false, message: 'invalid token' })
      if (!scope.allows(token)) return ack?.({ status: false, message: `instance "${token}" not found` })
      if (allowed && !allowed.has(token)) return ack?.({ status: false, message: `token "${token}" is not in this connection's auth.tokens` })
      void socket.leave(ALL_ROOM)
      if (scope.keyId) void socket.leave(keyAllRoom(scope.keyId))
      void socket.join(roomOf(token))
      ack?.({ status: true, data: { token } })
    })
    socket.on('unsubscribe', (payload: { token?: unknown } | undefined) => {
      if (isValidToken(payload?.token)) void socket.leave(roomOf(payload.token))
    })
  })

  const forward = <E extends GatewayEventName>(event: E, payload: GatewayEvents[E]) => {
    const token = (payload as { token?: string }).token
    let target = io.to(ALL_ROOM)
    if (token) {
      target = target.to(roomOf(token))
      for (const [id, scope] of keyScopes) if (scope.allows(token)) target = target.to(keyAllRoom(id))
    }
    target.emit(event, payload)
    // The seed's dashboards also listen to `message {message}` for every message.
    if (event === 'message-upsert') target.emit('message', { message: (payload as GatewayEvents['message-upsert']).message })
  }
  bus.onAny(forward)
  return {
    io,
    revokeKey: (id) => {
      keyScopes.delete(id)
      io.in(keyRoom(id)).disconnectSockets(true)
    },
  }
}

const MAX_TOKENS_PER_CLIENT = 1000

function isTokenList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.length <= MAX_TOKENS_PER_CLIENT && v.every(isValidToken)
}
