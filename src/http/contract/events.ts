// Schemas of the live events: the payload of each Socket.IO event and the body of each webhook
// delivery, served in the OpenAPI document as `x-events`. The e2e harness checks every Socket.IO
// payload its clients receive against them (test/helpers/contract.ts).
import type { GatewayEventName } from '../../events/bus.js'

type Schema = Record<string, unknown>

const s = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) })
const i = (): Schema => ({ type: 'integer' })
const b = (): Schema => ({ type: 'boolean' })
const obj = (properties: Record<string, Schema>, required: string[], description?: string): Schema =>
  ({ type: 'object', required, properties, ...(description ? { description } : {}) })
const user = obj({ id: s(), name: s(), lid: s() }, ['id'])
const key = obj({ remoteJid: { type: 'string', nullable: true }, fromMe: { type: 'boolean', nullable: true }, id: { type: 'string', nullable: true }, participant: { type: 'string', nullable: true } }, [])
const message = { type: 'object', required: ['key'], properties: { key }, description: 'The WAMessage as Baileys gives it' }
const state = { type: 'string', enum: ['connecting', 'qr', 'open', 'closed', 'logged-out', 'failed'] }
const ns = (description?: string): Schema => ({ type: 'string', nullable: true, ...(description ? { description } : {}) })
const personProps = { jid: s('Phone jid when the number is known, else the LID jid'), phone: ns('Digits, when known'), lid: ns(), name: ns() }
const person = obj(personProps, ['jid', 'phone', 'lid', 'name'], 'Who (see docs/identities.md)')
const chat = obj({ ...personProps, isGroup: b() }, ['jid', 'phone', 'lid', 'name', 'isGroup'], 'The chat: the person, or the group')

/** Payloads by event name (Socket.IO emits these; webhooks send them as `{event, ...payload}`). */
export const EVENT_SCHEMAS: Record<GatewayEventName | 'message', Schema> = {
  qrcode: obj({ token: s(), data: s('PNG data URL'), qr: s(), attempt: i() }, ['token', 'data', 'qr', 'attempt']),
  'pairing-code': obj({ token: s(), code: s(), phone: s() }, ['token', 'code', 'phone']),
  'qr-timeout': obj({ token: s(), attempts: i() }, ['token', 'attempts']),
  'connection-state': obj({ token: s(), state, user, reason: s(), statusCode: i() }, ['token', 'state']),
  'connection-open': obj({ token: s(), user, ppUrl: { type: 'string', nullable: true } }, ['token', 'user', 'ppUrl']),
  'logged-out': obj({ token: s(), reason: s() }, ['token', 'reason']),
  'message-upsert': obj({ token: s(), key, message, type: { type: 'string', enum: ['notify', 'append'] }, chat, sender: person },
    ['token', 'key', 'message', 'type', 'chat', 'sender'], 'Every incoming and outgoing message, with its chat and sender'),
  message: obj({ message }, ['message'], 'Socket.IO only: the seed\'s event, beside message-upsert'),
  'message-update': obj({ token: s(), key, update: { type: 'object' } }, ['token', 'key', 'update']),
  'message-receipt': obj({ token: s(), key, receipt: { type: 'object' } }, ['token', 'key', 'receipt']),
  call: obj({
    token: s(), id: s(), from: obj({ jid: s(), phone: ns(), lid: ns() }, ['jid', 'phone', 'lid']), status: s('offer, then timeout / reject / terminate / accept'),
    isVideo: b(), isGroup: b(),
  }, ['token', 'id', 'from', 'status', 'isVideo', 'isGroup'], 'A voice or video call to the account'),
  'group-update': obj({ token: s(), id: s(), action: s(), participants: { type: 'array', items: s() }, author: s(), update: { type: 'object' } }, ['token', 'id', 'action']),
  'send-progress': obj({
    token: s(), batchId: s(), done: i(), total: i(), sent: i(), failed: i(),
    lastResult: obj({ number: s(), ok: b(), id: s(), error: s() }, ['number', 'ok']),
  }, ['token', 'batchId', 'done', 'total', 'sent', 'failed', 'lastResult']),
  'send-complete': obj({ token: s(), batchId: s(), total: i(), sent: i(), failed: i() }, ['token', 'batchId', 'total', 'sent', 'failed']),
  'scheduler-run': obj({ token: s(), id: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, ok: b(), result: {}, error: s() }, ['token', 'id', 'ok']),
  'webhook-delivery': obj({ token: s(), deliveryId: s(), event: s(), ok: b(), status: i(), attempts: i(), info: s(), alert: s() }, ['token', 'deliveryId', 'event', 'ok', 'attempts']),
}

/** The `x-events` section: Socket.IO payloads, and what a webhook receiver gets. */
export function eventsSection(): Schema {
  return {
    description: 'Live events. Socket.IO: connect with io({auth: {key: AUTH}}) and listen by name; the payload schemas are below. ' +
      'Webhooks: a POST per event with the JSON body {event, ...payload}, except message-upsert whose body is the seed\'s ' +
      '{event, token, key, message} plus chat and sender. Headers: X-Event, X-Delivery-Id (the same on every retry), and when a secret is set ' +
      'X-Timestamp (unix seconds of the attempt) and X-Signature: sha256=<hex HMAC-SHA256(secret, X-Timestamp + "." + raw body)>.',
    socketio: EVENT_SCHEMAS,
    webhook: {
      headers: {
        'X-Event': s('The event name'),
        'X-Delivery-Id': s('Stable across retries: dedupe on it'),
        'X-Timestamp': s('Unix seconds of this attempt (signed deliveries)'),
        'X-Signature': s('sha256=<hex HMAC-SHA256(secret, X-Timestamp + "." + raw body)>'),
      },
      bodies: Object.fromEntries(Object.entries(EVENT_SCHEMAS).filter(([name]) => name !== 'message').map(([name, schema]) => [name, webhookBody(name, schema)])),
    },
  }
}

function webhookBody(name: string, payload: Schema): Schema {
  const props = (payload.properties ?? {}) as Record<string, Schema>
  // message-upsert keeps the seed's body: no `type`.
  const upsert = name === 'message-upsert'
  const properties = upsert ? { token: props.token, key: props.key, message: props.message, chat: props.chat, sender: props.sender } : props
  const required = upsert ? ['token', 'key', 'message', 'chat', 'sender'] : (payload.required as string[])
  return { type: 'object', required: ['event', ...required], properties: { event: { type: 'string', enum: [name] }, ...properties } }
}
