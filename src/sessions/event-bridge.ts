// Maps one Baileys socket's events onto the gateway's typed bus (messages, receipts, groups).
// Messages are described (chat / sender identities) before they are emitted, which may wait on
// the key store; every event of the socket therefore goes through one queue, so a status update
// never overtakes the upsert of its message.
import type { WASocket } from '@whiskeysockets/baileys'
import type { EventBus, WireMessage } from '../events/bus.js'
import type { Logger } from '../logger.js'
import { isDeviceSync, MessageIdentities } from './identity.js'

export function bridgeSocketEvents(token: string, sock: WASocket, bus: EventBus, logger?: Logger): void {
  const identities = new MessageIdentities(sock)
  let tail: Promise<void> = Promise.resolve()
  const inOrder = (what: string, job: () => void | Promise<void>) => {
    tail = tail.then(job).catch((err: unknown) => logger?.warn({ token, what, err: String(err) }, 'event bridge step failed'))
  }

  sock.ev.on('messages.upsert', ({ messages, type }) => inOrder('messages.upsert', async () => {
    for (const m of messages) {
      if (isDeviceSync(m)) continue
      const { chat, sender, key } = await identities.describe(m)
      const message = { ...m, key } as unknown as WireMessage
      bus.emit('message-upsert', { token, key, message, type, chat, sender })
    }
  }))
  sock.ev.on('messages.update', (updates) => inOrder('messages.update', () => {
    for (const { key, update } of updates) {
      bus.emit('message-update', { token, key, update: update as Record<string, unknown> })
    }
  }))
  sock.ev.on('message-receipt.update', (receipts) => inOrder('message-receipt.update', () => {
    for (const { key, receipt } of receipts) {
      bus.emit('message-receipt', { token, key, receipt: receipt as Record<string, unknown> })
    }
  }))
  sock.ev.on('call', (calls) => inOrder('call', async () => {
    for (const c of calls) {
      const { jid, phone, lid } = await identities.caller(c.from, c.callerPn)
      bus.emit('call', { token, id: c.id, from: { jid, phone, lid }, status: c.status, isVideo: !!c.isVideo, isGroup: !!c.isGroup })
    }
  }))
  sock.ev.on('group-participants.update', ({ id, participants, action, author }) => inOrder('group-participants.update', () => {
    bus.emit('group-update', { token, id, action, author, participants: participants.map((p) => p.phoneNumber ?? p.id) })
  }))
  sock.ev.on('groups.update', (updates) => inOrder('groups.update', () => {
    for (const update of updates) {
      if (update.id) bus.emit('group-update', { token, id: update.id, action: 'update', update: update as Record<string, unknown> })
    }
  }))
}
