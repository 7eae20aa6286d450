// Feeds a Store from each Baileys socket (a SessionObserver). A failing write is logged and
// dropped: the store never stops message handling.
import type { BaileysEventMap, Chat, Contact, WASocket } from '@whiskeysockets/baileys'
import type { EventBus } from '../events/bus.js'
import type { Logger } from '../logger.js'
import { isDeviceSync } from '../sessions/identity.js'
import type { SessionObserver } from '../sessions/session.js'
import { toSeconds } from './serialize.js'
import type { ChatInput, ContactInput, MaybePromise, Store, StoredMessage } from './types.js'

const asStored = (messages: unknown[]): StoredMessage[] => messages as StoredMessage[]

function chatInput(c: Partial<Chat>, unreadIsIncrement: boolean): ChatInput | undefined {
  if (!c.id) return undefined
  const out: ChatInput = { id: c.id }
  if (c.name) out.name = c.name
  if (c.conversationTimestamp !== undefined && c.conversationTimestamp !== null) {
    out.conversationTimestamp = toSeconds(c.conversationTimestamp)
  }
  if (typeof c.unreadCount === 'number') {
    // Baileys' chats.update carries +N for new messages and 0 / -1 for read / marked unread.
    if (unreadIsIncrement && c.unreadCount > 0) out.unreadIncrement = c.unreadCount
    else out.unreadCount = c.unreadCount
  }
  return out
}

const contactInput = (c: Partial<Contact>): ContactInput | undefined =>
  c.id ? { id: c.phoneNumber ?? c.id, name: c.name, notify: c.notify, verifiedName: c.verifiedName } : undefined

/** LID/phone pairs named by contacts, so both ids land on one row. */
function contactAliases(contacts: Partial<Contact>[]): Array<{ lid: string; pn: string }> {
  const out: Array<{ lid: string; pn: string }> = []
  for (const c of contacts) {
    if (c.id?.endsWith('@lid') && c.phoneNumber) out.push({ lid: c.id, pn: c.phoneNumber })
    else if (c.lid && c.id?.endsWith('@s.whatsapp.net')) out.push({ lid: c.lid, pn: c.id })
  }
  return out
}

const defined = <T>(xs: Array<T | undefined>): T[] => xs.filter((x): x is T => x !== undefined)

type Step = () => MaybePromise<void>

/** Runs steps in order; stays synchronous while they are (the SQLite store), chains when not. */
function runSteps(steps: Step[], from = 0): MaybePromise<void> {
  for (let i = from; i < steps.length; i++) {
    const r = steps[i]!()
    if (r instanceof Promise) return r.then(() => runSteps(steps, i + 1))
  }
}

export class StoreObserver implements SessionObserver {
  /** Per token, the write still running on an async store: later events queue behind it, in order. */
  private readonly tails = new Map<string, Promise<void>>()

  constructor(private readonly store: Store, private readonly logger: Logger) {}

  private run(token: string, what: string, steps: Step[]): void {
    const fail = (err: unknown) => this.logger.warn({ token, what, err: String(err) }, 'store write failed')
    const tail = this.tails.get(token)
    let r: MaybePromise<void>
    try {
      r = tail ? tail.then(() => runSteps(steps)) : runSteps(steps)
    } catch (err) {
      return fail(err)
    }
    if (!(r instanceof Promise)) return
    const p: Promise<void> = r.catch(fail).finally(() => {
      if (this.tails.get(token) === p) this.tails.delete(token)
    })
    this.tails.set(token, p)
  }

  attach(token: string, sock: WASocket): void {
    const s = this.store
    const on = <E extends keyof BaileysEventMap>(event: E, fn: (data: BaileysEventMap[E]) => Step[]) =>
      sock.ev.on(event, (data) => this.run(token, event, fn(data)))
    const contactSteps = (contacts: Partial<Contact>[]): Step[] => [
      () => s.mapJids(token, contactAliases(contacts)),
      () => s.upsertContacts(token, defined(contacts.map(contactInput))),
    ]

    on('messaging-history.set', ({ chats, contacts, messages, lidPnMappings }) => [
      () => s.mapJids(token, lidPnMappings ?? []),
      ...contactSteps(contacts),
      () => s.upsertChats(token, defined(chats.map((c) => chatInput(c, false)))),
      () => s.upsertMessages(token, asStored(messages)),
    ])
    on('lid-mapping.update', (m) => [() => s.mapJids(token, [m])])
    on('chats.upsert', (chats) => [() => s.upsertChats(token, defined(chats.map((c) => chatInput(c, false))))])
    on('chats.update', (chats) => [() => s.upsertChats(token, defined(chats.map((c) => chatInput(c, true))))])
    on('chats.delete', (ids) => [() => s.deleteChats(token, ids)])
    on('contacts.upsert', contactSteps)
    on('contacts.update', contactSteps)
    on('groups.upsert', (groups) => {
      const named = groups.map((g) => ({ id: g.id, name: g.subject }))
      return [() => s.upsertContacts(token, named), () => s.upsertChats(token, named)]
    })
    on('groups.update', (groups) => {
      const named = groups.filter((g) => g.id && g.subject).map((g) => ({ id: g.id as string, name: g.subject }))
      return [() => s.upsertContacts(token, named), () => s.upsertChats(token, named)]
    })
    on('messages.upsert', ({ messages }) => [() => s.upsertMessages(token, asStored(messages.filter((m) => !isDeviceSync(m))))])
    on('messages.update', (updates) => [
      () => s.updateMessages(token, updates.map(({ key, update }) => ({ key, update: update as Record<string, unknown> }))),
    ])
    on('messages.delete', (del) => [() => ('keys' in del ? s.deleteMessages(token, del.keys) : s.clearChat(token, del.jid))])
    on('message-receipt.update', (receipts) => [
      () => s.addReceipts(token, receipts.map(({ key, receipt }) => ({ key, receipt: receipt as unknown as Record<string, unknown> }))),
    ])
  }

  /**
   * LID/phone pairs the event bridge worked out for a message (from the key, or Baileys' own LID
   * store) file both ids under one chat. Subscribed before webhooks and Socket.IO, so a receiver
   * that reads the store on the event already sees one chat.
   */
  learnIdentities(bus: EventBus): () => void {
    return bus.on('message-upsert', ({ token, chat, sender }) => {
      const pairs = [chat, sender].flatMap((p) => (p.phone && p.lid ? [{ lid: p.lid, pn: p.jid }] : []))
      if (pairs.length) this.run(token, 'mapJids', [() => this.store.mapJids(token, pairs)])
    })
  }

  /** Forget an instance's rows when it is logged out or deleted (a new login may be another phone). */
  wipeOnLogout(bus: EventBus): () => void {
    return bus.on('connection-state', ({ token, state }) => {
      if (state === 'logged-out') this.run(token, 'removeInstance', [() => this.store.removeInstance(token)])
    })
  }
}
