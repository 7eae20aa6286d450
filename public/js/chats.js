// Chats: the chat list and the latest messages of one chat from the store, kept live by
// Socket.IO `message-upsert`. A short reply box sends through the same send-text endpoint.
import { post } from './api.js'
import { $, failText, formatTime, h, prettyJid, setStatus } from './dom.js'
import * as live from './live.js'
import { sendTextTo } from './send.js'
import { state, subscribe } from './state.js'

const MESSAGE_LIMIT = 50
let chats = []
let openJid = null
let loadedFor = null
let messageIds = new Set()
let reloadTimer = null

/** Wrappers WhatsApp puts around the real content. */
function unwrap(m) {
  for (let i = 0; i < 4 && m; i++) {
    const inner = m.ephemeralMessage?.message ?? m.viewOnceMessage?.message ?? m.viewOnceMessageV2?.message ??
      m.documentWithCaptionMessage?.message ?? m.editedMessage?.message
    if (!inner) break
    m = inner
  }
  return m ?? {}
}

/** One readable line for a message proto (as JSON). */
export function describeMessage(message) {
  const m = unwrap(message)
  if (m.conversation) return m.conversation
  if (m.extendedTextMessage?.text) return m.extendedTextMessage.text
  const media = [['imageMessage', 'Photo'], ['videoMessage', 'Video'], ['audioMessage', 'Audio'], ['stickerMessage', 'Sticker'], ['documentMessage', 'Document']]
  for (const [key, label] of media) {
    if (m[key]) return `[${label}${m[key].fileName ? `: ${m[key].fileName}` : ''}]${m[key].caption ? ` ${m[key].caption}` : ''}`
  }
  if (m.reactionMessage) return `[Reaction ${m.reactionMessage.text || '(removed)'}]`
  if (m.locationMessage) return '[Location]'
  if (m.contactMessage) return `[Contact: ${m.contactMessage.displayName ?? ''}]`
  if (m.pollCreationMessage || m.pollCreationMessageV3) return `[Poll: ${(m.pollCreationMessage ?? m.pollCreationMessageV3).name ?? ''}]`
  if (m.protocolMessage) return '[Message deleted or edited]'
  const first = Object.keys(m)[0]
  return first ? `[${first.replace(/Message$/, '')}]` : '[empty message]'
}

const tsOf = (m) => Number(m.messageTimestamp?.low ?? m.messageTimestamp ?? 0)

function renderChats() {
  const list = $('#chat-list')
  if (chats.length === 0) {
    list.replaceChildren(h('li', { class: 'empty muted' }, 'No chats yet.'))
    return
  }
  list.replaceChildren(...chats.map((c) =>
    h('li', {},
      h('button', { type: 'button', class: `chat-item${c.id === openJid ? ' active' : ''}`, 'aria-current': c.id === openJid ? 'true' : undefined, dataset: { jid: c.id }, onclick: () => openChat(c.id) },
        h('span', { class: 'chat-name' }, c.name || prettyJid(c.id)),
        h('span', { class: 'chat-time muted small' }, formatTime(c.conversationTimestamp)),
        /@s\.whatsapp\.net$/.test(c.id) ? null : h('span', { class: 'chat-jid muted small' }, c.id),
        c.unreadCount ? h('span', { class: 'unread', 'aria-label': `${c.unreadCount} unread` }, String(c.unreadCount)) : null))))
}

function messageItem(m) {
  const mine = Boolean(m.key?.fromMe)
  return h('li', { class: `bubble ${mine ? 'mine' : 'theirs'}`, dataset: { id: m.key?.id ?? '' } },
    !mine && m.pushName ? h('span', { class: 'sender small' }, m.pushName) : null,
    h('span', { class: 'text' }, describeMessage(m.message)),
    h('time', { class: 'muted small' }, formatTime(m.messageTimestamp)))
}

function appendMessage(m) {
  const id = m.key?.id
  if (id && messageIds.has(id)) return
  if (id) messageIds.add(id)
  const list = $('#message-list')
  $('.empty', list)?.remove()
  list.append(messageItem(m))
  list.scrollTop = list.scrollHeight
}

async function openChat(jid) {
  openJid = jid
  // Seen here; the phone keeps its own unread state.
  const chat = chats.find((c) => c.id === jid)
  if (chat) chat.unreadCount = 0
  renderChats()
  $('#chat-title').textContent = prettyJid(jid)
  $('#reply-form').hidden = false
  const res = await post('/api/whatsapp/store/chats', { token: state.selected, type: 'messages', jid, limit: MESSAGE_LIMIT })
  if (jid !== openJid) return
  const list = $('#message-list')
  messageIds = new Set()
  list.replaceChildren()
  if (!res.ok) return list.append(h('li', { class: 'empty status error' }, failText(res, 'Loading messages')))
  const messages = (Array.isArray(res.data) ? res.data : []).slice().sort((a, b) => tsOf(a) - tsOf(b))
  const name = messages.find((m) => !m.key?.fromMe && m.pushName)?.pushName
  if (name) $('#chat-title').textContent = `${name} · ${prettyJid(jid)}`
  if (messages.length === 0) list.append(h('li', { class: 'empty muted' }, 'No messages stored for this chat.'))
  messages.forEach(appendMessage)
}

export async function loadChats() {
  const token = state.selected
  loadedFor = token
  const status = $('#chats-status')
  if (!token) {
    chats = []
    renderChats()
    return setStatus(status, 'info', 'Create or pick an instance first.')
  }
  const res = await post('/api/whatsapp/store/chats', { token, type: 'chats' })
  if (token !== state.selected) return
  if (!res.ok) {
    chats = []
    renderChats()
    return setStatus(status, 'error', failText(res, 'The chat store'))
  }
  setStatus(status)
  chats = (Array.isArray(res.data) ? res.data : []).slice()
    .sort((a, b) => Number(b.conversationTimestamp ?? 0) - Number(a.conversationTimestamp ?? 0))
  renderChats()
  if (openJid) await openChat(openJid)
}

/** A live message: update its chat (or reload when the store names the chat differently). */
function onUpsert(p) {
  if (p.token !== state.selected || $('#section-chats').hidden) return
  const msg = p.message ?? { key: p.key }
  const jids = [p.key?.remoteJid, p.key?.remoteJidAlt].filter(Boolean)
  const chat = chats.find((c) => jids.includes(c.id))
  if (chat && openJid === chat.id) appendMessage(msg)
  if (chat) {
    chat.conversationTimestamp = tsOf(msg) || Math.floor(Date.now() / 1000)
    if (!p.key?.fromMe && openJid !== chat.id) chat.unreadCount = (chat.unreadCount ?? 0) + 1
    chats.sort((a, b) => Number(b.conversationTimestamp ?? 0) - Number(a.conversationTimestamp ?? 0))
    renderChats()
    return
  }
  // A new chat: let the store (which resolves LID/phone aliases) say how it is named.
  clearTimeout(reloadTimer)
  reloadTimer = setTimeout(() => void loadChats(), 300)
}

async function reply(event) {
  event.preventDefault()
  const input = $('#reply-text')
  const text = input.value
  if (!text.trim() || !openJid) return
  input.disabled = true
  const res = await sendTextTo(state.selected, openJid, text)
  input.disabled = false
  if (!res.ok) return setStatus($('#chats-status'), 'error', failText(res, 'Sending'))
  input.value = ''
  input.focus()
  if (res.data?.key) appendMessage(res.data)
}

export function showChats() {
  void loadChats()
}

export function initChats() {
  $('#chats-refresh').addEventListener('click', () => void loadChats())
  $('#reply-form').addEventListener('submit', reply)
  live.on('message-upsert', onUpsert)
  subscribe((what) => {
    if (what !== 'selected' || $('#section-chats').hidden || loadedFor === state.selected) return
    openJid = null
    $('#message-list').replaceChildren()
    $('#chat-title').textContent = 'Pick a chat'
    $('#reply-form').hidden = true
    void loadChats()
  })
}
