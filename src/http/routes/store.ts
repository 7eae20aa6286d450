// The seed's /store/chats (chats, contacts, messages) with paging, plus GET variants. Messages come
// newest page first, oldest first within a page; `before` (a message id or unix seconds) pages back
// and the X-Next-Before header names the cursor of the next page.
import type { Response } from 'express'
import { body, param, query } from 'express-validator'
import { AppError, badRequest, notFound } from '../../errors.js'
import { parseTarget } from '../../messaging/jid.js'
import { describeStored, type OwnUser } from '../../store/identity.js'
import { encodeMessage, seedMessage } from '../../store/serialize.js'
import { CursorError, type Store, type StoredMessage } from '../../store/types.js'
import { defineRoutes } from '../route.js'
import { single, tokenIn } from '../validators.js'

export const STORE_DEFAULT_LIMIT = 50
export const STORE_MAX_LIMIT = 500
/** Without a jid, "messages" returns the latest page of this many most recently active chats. */
export const STORE_MAX_CHATS_IN_DUMP = 100

export interface StoreRouteDeps {
  /** Undefined when STORE=false. */
  store?: Store
  /** True when the session manager knows the token. */
  instanceKnown(token: string): boolean
  /** The instance's own account while known: the sender of its fromMe messages. */
  ownUser?(token: string): OwnUser | undefined
}

/** Any chat jid the store may hold (status@broadcast and newsletters too, which sends refuse). */
const JID_RE = /^[\w.:+-]+@(s\.whatsapp\.net|c\.us|g\.us|lid|broadcast|newsletter)$/
const isPhoneNumber = (v: string) => {
  try {
    return parseTarget(v).kind === 'pn'
  } catch {
    return false
  }
}
const isJidOrNumber = (v: unknown) => typeof v === 'string' && (v.includes('@') ? JID_RE.test(v) : isPhoneNumber(v))
/** A bare phone number means its WhatsApp jid (normalised by the one number parser). */
const toJid = (v: string) => (v.includes('@') ? v : parseTarget(v).jid)

const limitRule = (chain: ReturnType<typeof body>) =>
  single(chain.optional({ values: 'null' })).isInt({ min: 1, max: STORE_MAX_LIMIT }).withMessage(`must be a whole number from 1 to ${STORE_MAX_LIMIT}`)
const beforeRule = (chain: ReturnType<typeof body>) =>
  chain.optional({ values: 'null' }).custom((v) => (typeof v === 'string' && /^[\w.:-]{1,128}$/.test(v)) || (typeof v === 'number' && Number.isInteger(v) && v >= 0))
    .withMessage('must be a message id or a unix timestamp in seconds')
const jidRule = (chain: ReturnType<typeof body>) =>
  chain.custom(isJidOrNumber).withMessage('must be a chat jid (e.g. 628123456789@s.whatsapp.net, …@g.us) or a phone number')

export function storeRoutes(deps: StoreRouteDeps) {
  /** The seed's message shape plus `chat` and `sender`, like message events. */
  const plain = async (token: string, m: StoredMessage) => {
    const parties = await describeStored(storeOf(), token, m, deps.ownUser?.(token))
    return { ...(JSON.parse(encodeMessage(seedMessage(m))) as Record<string, unknown>), ...parties }
  }
  const storeOf = (): Store => {
    if (!deps.store) throw new AppError(409, 'the store is turned off on this server (STORE=false)')
    return deps.store
  }
  /** An unknown token with nothing stored is a typo, not an empty store. */
  const orNotFound = <T>(token: string, result: T, empty: boolean): T => {
    if (empty && !deps.instanceKnown(token)) throw notFound(`instance "${token}" not found and nothing is stored for it`)
    return result
  }
  const limitOf = (v: unknown) => (v === undefined || v === null || v === '' ? STORE_DEFAULT_LIMIT : Number(v))
  const beforeOf = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v))

  const chats = async (token: string, limit: number, before: string | undefined, res: Response) => {
    if (before !== undefined && !/^\d+$/.test(before)) throw badRequest('before: for chats it must be a unix timestamp (conversationTimestamp)')
    const list = await storeOf().listChats(token, { limit, before: before === undefined ? undefined : Number(before) })
    if (list.length === limit) res.setHeader('X-Next-Before', String(list[list.length - 1]!.conversationTimestamp))
    return orNotFound(token, list, list.length === 0)
  }
  const contacts = async (token: string) => {
    const list = await storeOf().listContacts(token)
    return orNotFound(token, Object.fromEntries(list.map((c) => [c.id, c])), list.length === 0)
  }
  const messagesOf = async (token: string, jid: string, limit: number, before: string | undefined, res: Response) => {
    try {
      const page = await storeOf().listMessages(token, toJid(jid), { limit, before })
      if (page.nextBefore) res.setHeader('X-Next-Before', page.nextBefore)
      return orNotFound(token, await Promise.all(page.messages.map((m) => plain(token, m))), page.messages.length === 0)
    } catch (err) {
      if (err instanceof CursorError) throw badRequest(`before: ${err.message}`)
      throw err
    }
  }
  const allMessages = async (token: string, limit: number) => {
    const store = storeOf()
    const out: Record<string, unknown[]> = {}
    for (const chat of await store.listChats(token, { limit: STORE_MAX_CHATS_IN_DUMP })) {
      const page = await store.listMessages(token, chat.id, { limit })
      if (page.messages.length) out[chat.id] = await Promise.all(page.messages.map((m) => plain(token, m)))
    }
    return orNotFound(token, out, Object.keys(out).length === 0)
  }

  return defineRoutes([
    {
      method: 'post',
      path: '/whatsapp/store/chats',
      tag: 'Store',
      summary: 'The seed\'s store query {token, type: chats|contacts|messages, jid?, limit?, before?}: chats → [{id, conversationTimestamp, unreadCount, name?}]; contacts → {jid: {id, name}}; messages → {jid: [{key, message, messageTimestamp, pushName, status?}]} (latest `limit` of the 100 most recent chats), or with jid → one page of that chat (X-Next-Before header = cursor of the older page)',
      validators: [
        tokenIn(),
        single(body('type')).isIn(['chats', 'contacts', 'messages']).withMessage('must be one of chats, contacts, messages'),
        jidRule(body('jid').optional({ values: 'null' })),
        limitRule(body('limit')),
        beforeRule(body('before')),
      ],
      handler: async (req, res) => {
        const b = req.body as { token: string; type: string; jid?: string | null; limit?: number | string; before?: string | number }
        const limit = limitOf(b.limit)
        const before = beforeOf(b.before)
        if (b.type === 'chats') return chats(b.token, limit, before, res)
        if (b.type === 'contacts') return contacts(b.token)
        if (b.jid) return messagesOf(b.token, b.jid, limit, before, res)
        if (before !== undefined) throw badRequest('before: paging messages needs a jid (one chat at a time)')
        return allMessages(b.token, limit)
      },
    },
    {
      method: 'get',
      path: '/whatsapp/store/:token/chats',
      tag: 'Store',
      summary: 'Chats, most recent first: [{id, conversationTimestamp, unreadCount, name?}]; ?limit=&before=<conversationTimestamp>',
      validators: [tokenIn('param'), limitRule(query('limit')), beforeRule(query('before'))],
      handler: (req, res) => chats(String(req.params.token), limitOf(req.query.limit), beforeOf(req.query.before), res),
    },
    {
      method: 'get',
      path: '/whatsapp/store/:token/contacts',
      tag: 'Store',
      summary: 'Contacts (and named groups) keyed by jid: {jid: {id, name}}',
      validators: [tokenIn('param')],
      handler: (req) => contacts(String(req.params.token)),
    },
    {
      method: 'get',
      path: '/whatsapp/store/:token/chats/:jid/messages',
      tag: 'Store',
      summary: 'One page of a chat\'s messages, oldest first: [{key, message, messageTimestamp, pushName, status?}]; ?limit=&before=<message id or unix seconds>; X-Next-Before header = cursor of the older page',
      validators: [tokenIn('param'), jidRule(param('jid')), limitRule(query('limit')), beforeRule(query('before'))],
      handler: (req, res) => messagesOf(String(req.params.token), String(req.params.jid), limitOf(req.query.limit), beforeOf(req.query.before), res),
    },
  ])
}
