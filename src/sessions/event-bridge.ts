// Maps one Baileys socket's events onto the gateway's typed bus (messages, receipts, groups).
import type { WASocket } from '@whiskeysockets/baileys'
import type { EventBus, WireMessage } from '../events/bus.js'

export function bridgeSocketEvents(token: string, sock: WASocket, bus: EventBus): void {
  sock.ev.on('messages.upsert', ({ messages, type }) => {
    for (const m of messages) {
      bus.emit('message-upsert', { token, key: m.key, message: m as unknown as WireMessage, type })
    }
  })
  sock.ev.on('messages.update', (updates) => {
    for (const { key, update } of updates) {
      bus.emit('message-update', { token, key, update: update as Record<string, unknown> })
    }
  })
  sock.ev.on('message-receipt.update', (receipts) => {
    for (const { key, receipt } of receipts) {
      bus.emit('message-receipt', { token, key, receipt: receipt as Record<string, unknown> })
    }
  })
  sock.ev.on('group-participants.update', ({ id, participants, action, author }) => {
    bus.emit('group-update', { token, id, action, author, participants: participants.map((p) => p.phoneNumber ?? p.id) })
  })
  sock.ev.on('groups.update', (updates) => {
    for (const update of updates) {
      if (update.id) bus.emit('group-update', { token, id: update.id, action: 'update', update: update as Record<string, unknown> })
    }
  })
}
