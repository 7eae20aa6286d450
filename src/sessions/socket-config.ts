// The options one Session hands to makeWASocket. Baileys spreads them over its defaults, so an
// option we leave unset must be absent, not `undefined` (an undefined waWebSocketUrl once made
// every production login crash while the simulator, which sets it, kept working).
import type { Agent } from 'node:https'
import type { AuthenticationState, UserFacingSocketConfig, WAMessageContent, WAMessageKey } from '@whiskeysockets/baileys'
import type { Logger } from '../logger.js'
import { definedOnly } from '../util/defined.js'
import { historyOptions, type SyncHistoryMode } from './history-mode.js'

export interface SocketSettings {
  auth: AuthenticationState
  logger: Logger
  /** Unset: Baileys' own wss://web.whatsapp.com/ws/chat. */
  waWebSocketUrl?: string
  qrTimeoutMs?: number
  /** SYNC_HISTORY (docs/history.md) */
  syncHistory: SyncHistoryMode
  /** For uploads (an extra CA for the simulator's media host, or a proxy); unset: Node's default agent. */
  fetchAgent?: Agent
  /** For the WhatsApp websocket (a proxy); unset: a direct connection. */
  wsAgent?: Agent
  getMessage: (key: WAMessageKey) => Promise<WAMessageContent | undefined>
}

export function socketConfig(s: SocketSettings): UserFacingSocketConfig {
  return {
    ...definedOnly({
      waWebSocketUrl: s.waWebSocketUrl,
      qrTimeout: s.qrTimeoutMs,
      fetchAgent: s.fetchAgent,
      agent: s.wsAgent,
    }),
    auth: s.auth,
    logger: s.logger,
    markOnlineOnConnect: false,
    ...historyOptions(s.syncHistory),
    getMessage: s.getMessage,
  }
}
