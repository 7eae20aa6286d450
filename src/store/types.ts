// The store contract. The gateway ships SqliteStore (DATA_DIR/gateway.db); to keep chats, contacts
// and messages in MySQL/Postgres instead, implement `Store` and pass it to createApp({ store }).
//
// What an implementation must honour:
// - Every row belongs to one instance `token`; two tokens never see each other's data.
// - Messages are unique by (token, chat, id, fromMe): an upsert of the same key replaces it.
// - `listMessages` must not load a whole chat: use an index on (token, chat, timestamp) and LIMIT.
// - `findMessage` must be fast by (token, id): Baileys calls it while retrying a failed decrypt.
// - Methods may be synchronous or return promises; ingestion awaits nothing in the hot path and
//   logs a rejected write instead of crashing, so a slow remote database never blocks Baileys.
// - Messages cross this interface as `StoredMessage`: what JSON.stringify gives for Baileys'
//   WAMessage (protobuf JSON: bytes as base64 strings, 64-bit numbers as strings, enums as names),
//   with any raw Buffer kept as a Buffer. `encodeMessage`/`decodeMessage` (store/serialize.ts) are
//   the canonical text form; `toWAMessage` (store/baileys.ts) turns one back into a WAMessage.
// - Rows of a token are removed on logout/delete (`removeInstance`) and kept across restarts.
import type { WireMessage } from '../events/bus.js'

export type MaybePromise<T> = T | Promise<T>

/** A WhatsApp message (Baileys' WAMessage) as stored; kept loose so readers need no Baileys types. */
export type StoredMessage = WireMessage

export interface MessageKeyRef {
  remoteJid?: string | null
  id?: string | null
  fromMe?: boolean | null
  participant?: string | null
}

export interface ChatInput {
  id: string
  name?: string | null
  /** Unix seconds of the last activity. */
  conversationTimestamp?: number | null
  /** An absolute count; `unreadIncrement` adds instead (Baileys sends increments on new messages). */
  unreadCount?: number | null
  unreadIncrement?: number
}

export interface ContactInput {
  id: string
  name?: string | null
  notify?: string | null
  verifiedName?: string | null
}

/** The seed's chat shape. */
export interface ChatSummary {
  id: string
  conversationTimestamp: number
  unreadCount: number
  name?: string
}

/** The seed's contact shape. */
export interface ContactSummary {
  id: string
  name?: string
}

export interface MessagePage {
  /** Oldest first within the page, like a chat screen. */
  messages: StoredMessage[]
  /** Pass as `before` to get the page of older messages; absent on the last page. */
  nextBefore?: string
}

export interface PageOptions {
  limit: number
  /** A message id of this chat, or unix seconds: only messages older than it are returned. */
  before?: string
}

export interface ReceiptInput {
  key: MessageKeyRef
  /** Baileys' MessageUserReceipt: userJid + receipt/read/played timestamps. */
  receipt: Record<string, unknown>
}

export interface Store {
  // --- writes (fed by store/ingest.ts from Baileys events) ---
  upsertChats(token: string, chats: ChatInput[]): MaybePromise<void>
  deleteChats(token: string, jids: string[]): MaybePromise<void>
  upsertContacts(token: string, contacts: ContactInput[]): MaybePromise<void>
  /** Adds or replaces messages; also makes sure their chats exist with the latest timestamp. */
  upsertMessages(token: string, messages: StoredMessage[]): MaybePromise<void>
  /** Merges partial updates (status, edits, revokes) into stored messages; unknown keys are ignored. */
  updateMessages(token: string, updates: Array<{ key: MessageKeyRef; update: Record<string, unknown> }>): MaybePromise<void>
  addReceipts(token: string, receipts: ReceiptInput[]): MaybePromise<void>
  deleteMessages(token: string, keys: MessageKeyRef[]): MaybePromise<void>
  clearChat(token: string, jid: string): MaybePromise<void>
  /** A LID (`…@lid`) and the phone-number jid it stands for: both then name the same chat. */
  mapJids(token: string, pairs: Array<{ lid: string; pn: string }>): MaybePromise<void>
  /** Forgets everything of an instance (logout / delete). */
  removeInstance(token: string): MaybePromise<void>

  // --- reads (the /store API, messaging, Baileys' getMessage) ---
  listChats(token: string, opts: { limit: number; before?: number }): MaybePromise<ChatSummary[]>
  listContacts(token: string): MaybePromise<ContactSummary[]>
  listMessages(token: string, jid: string, opts: PageOptions): MaybePromise<MessagePage>
  /**
   * Optional: the other jid of a person (the phone jid of a LID, the LID of a phone jid) when a
   * mapping is known, so the store API can say `phone`/`lid` of every message's chat and sender.
   */
  otherJid?(token: string, jid: string): MaybePromise<string | undefined>
  /** A message by id (optionally narrowed to its chat), or undefined. */
  findMessage(token: string, id: string, jid?: string): MaybePromise<StoredMessage | undefined>
  close(): MaybePromise<void>
}

/** A `before` cursor that names no message of the chat and is not a timestamp (the API answers 400). */
export class CursorError extends Error {}
