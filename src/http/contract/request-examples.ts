// One example request per route (body, path and query values), shown in the OpenAPI document and
// used as the body of each Postman request. `standalone` marks the requests that succeed on a
// fresh gateway with no prior state (the Postman run in test/e2e/postman.test.ts checks exactly
// those); the others need a paired instance, a message key or a group first.
// test/openapi-contract.test.ts sends every example and fails if one is refused as invalid input.

export interface RequestExample {
  body?: Record<string, unknown>
  params?: Record<string, string>
  query?: Record<string, string>
  standalone?: true
}

export const EXAMPLE_TOKEN = 'demo'
const number = '15551234567'
const jid = `${number}@s.whatsapp.net`
const group = '120363000000000001@g.us'
const key = { remoteJid: jid, fromMe: true, id: '3EB0C431C26A1916E0A1' }
const batchId = '6f1c2f4e-2b7a-4c1e-9a53-0d7f1b2c3d4e'
const t = { token: EXAMPLE_TOKEN }
const to = { token: EXAMPLE_TOKEN, number }

/** Keyed by `<method> <express path under /api>`. */
export const REQUEST_EXAMPLES: Record<string, RequestExample> = {
  'post /whatsapp/create-instance': { body: t, standalone: true },
  'get /whatsapp/instances': { standalone: true },
  'get /whatsapp/instances/:token': { params: t },
  'get /whatsapp/instances/:token/qr': { params: t },
  'post /whatsapp/instances/:token/restart': { params: t },
  'post /whatsapp/instances/:token/proxy': { params: t, body: { proxy: 'socks5://user:pass@proxy.example.com:1080' } },
  'post /whatsapp/delete-credential': { body: t },
  'get /whatsapp/instances/:token/calls': { params: t },
  'put /whatsapp/instances/:token/calls': { params: t, body: { reject: true, message: 'Sorry, this number cannot take calls. Please write instead.' } },
  'delete /whatsapp/instances/:token/calls': { params: t },

  'post /whatsapp/send-text': { body: { ...to, text: 'Hello from the gateway!' } },
  'post /whatsapp/send-media': { body: { ...to, type: 'image', url: 'https://example.com/photo.jpg', caption: 'Look at this' } },
  'post /whatsapp/send-button-message': {
    body: { ...to, message: 'Pick one', footer: 'Shop', button: [{ displayText: 'Yes', id: 'yes' }, { displayText: 'No', id: 'no' }] },
  },
  'post /whatsapp/send-template-message': {
    body: { ...to, text: 'Your order shipped', footer: 'Shop', button: [{ displayText: 'Track', url: 'https://example.com/track/42' }, { displayText: 'Call us', phoneNumber: '+15551230000' }] },
  },
  'post /whatsapp/send-list-message': {
    body: { ...to, text: 'Our menu', buttonText: 'Open menu', list: [{ title: 'Drinks', rows: [{ title: 'Coffee', rowId: 'coffee' }, { title: 'Tea', rowId: 'tea' }] }] },
  },
  'post /whatsapp/send-reaction': { body: { ...to, text: '👍', key } },
  'post /whatsapp/send-location': { body: { ...to, latitude: -6.2, longitude: 106.8167, name: 'Jakarta' } },
  'post /whatsapp/send-contact': { body: { ...to, contact: { fullName: 'Support', phone: '15551230000' } } },
  'post /whatsapp/send-poll': { body: { ...to, name: 'Lunch?', options: ['Pizza', 'Sushi'], selectableCount: 1 } },
  'post /whatsapp/send-sticker': { body: { ...to, url: 'https://example.com/sticker.webp' } },
  'post /whatsapp/edit-message': { body: { ...to, key, text: 'Hello (edited)' } },
  'post /whatsapp/delete-for-every-one': { body: { ...to, key } },
  'post /whatsapp/is-exists': { body: to },
  'post /whatsapp/get-profile-picture': { body: to },
  'post /whatsapp/read-messages': { body: { ...t, keys: [{ remoteJid: jid, id: key.id }] } },
  'post /whatsapp/send-presence': { body: { ...to, presence: 'typing' } },
  'post /whatsapp/download-media': { body: { ...t, key: { remoteJid: jid, id: key.id } } },
  'get /whatsapp/batches/:id': { params: { id: batchId } },
  'post /whatsapp/batches/:id/cancel': { params: { id: batchId } },

  'post /whatsapp/group-metadata': { body: { ...t, number: group } },
  'post /whatsapp/group-list': { body: t },
  'post /whatsapp/group-create': { body: { ...t, subject: 'Team', participants: ['15551230001', '15551230002'] } },
  'post /whatsapp/group-participants': { body: { ...t, number: group, action: 'add', participants: ['15551230003'] } },
  'post /whatsapp/group-subject': { body: { ...t, number: group, subject: 'Team 2026' } },
  'post /whatsapp/group-description': { body: { ...t, number: group, description: 'Where the team talks' } },
  'post /whatsapp/group-settings': { body: { ...t, number: group, setting: 'announcement' } },
  'post /whatsapp/group-invite-code': { body: { ...t, number: group } },
  'post /whatsapp/group-revoke-invite': { body: { ...t, number: group } },
  'post /whatsapp/group-join': { body: { ...t, code: 'https://chat.whatsapp.com/AbCdEfGhIjK1234567890' } },
  'post /whatsapp/group-leave': { body: { ...t, number: group } },

  'post /whatsapp/scheduler': { body: t, standalone: true },
  'post /whatsapp/scheduler/add-scheduler': {
    body: { ...t, id: 1, type: 'sendText', data: { number, text: 'Good morning' }, time: '0 8 * * *', timezone: 'Asia/Jakarta' },
  },
  'post /whatsapp/scheduler/update-scheduler': {
    body: { ...t, id: 1, type: 'sendText', data: { number, text: 'Good morning!' }, time: '30 8 * * 1-5', timezone: 'Asia/Jakarta' },
  },
  'post /whatsapp/scheduler/stop-scheduler': { body: { ...t, id: 1 } },
  'post /whatsapp/scheduler/run-now': { body: { ...t, id: 1 } },

  'post /whatsapp/store/chats': { body: { ...t, type: 'chats' } },
  'get /whatsapp/store/:token/chats': { params: t, query: { limit: '20' } },
  'get /whatsapp/store/:token/contacts': { params: t },
  'get /whatsapp/store/:token/chats/:jid/messages': { params: { ...t, jid }, query: { limit: '50' } },

  'post /whatsapp/instances/:token/webhook': {
    params: t,
    body: { url: 'https://example.com/wa/webhook', events: ['message-upsert', 'message-update'], secret: 'change-me-secret' },
  },
  'get /whatsapp/instances/:token/webhook': { params: t },
  'delete /whatsapp/instances/:token/webhook': { params: t },
  'get /whatsapp/instances/:token/webhook/deliveries': { params: t, query: { status: 'dead', limit: '50' }, standalone: true },
  'post /whatsapp/instances/:token/webhook/deliveries/replay-dead': { params: t, standalone: true },
  'post /whatsapp/instances/:token/webhook/deliveries/:id/replay': { params: { ...t, id: batchId } },
  'get /openapi.json': { standalone: true },
  'get /postman.json': { standalone: true },

  'post /keys': { body: { name: 'Shop backend', tokens: ['shop-*'] }, standalone: true },
  'get /keys': { standalone: true },
  'delete /keys/:id': { params: { id: '2b1f0c9e-8d7a-4e6b-9c5d-4a3b2c1d0e9f' } },

  'post /sandbox/scan': { body: t },
  'post /sandbox/pair': { body: { ...t, code: 'ABCD1234' } },
  'get /sandbox/contacts': { standalone: true },
  'post /sandbox/contacts': { body: { name: 'Postman contact' }, standalone: true },
  'post /sandbox/contacts/:number/send': { params: { number }, body: { ...t, text: 'Hi from a simulated contact' } },
  'get /sandbox/contacts/:number/messages': { params: { number } },
  'post /sandbox/contacts/:number/call': { params: { number }, body: { ...t, video: false, ringMs: 5000 } },
  'get /sandbox/contacts/:number/calls': { params: { number } },
  'post /sandbox/phone/send': { body: { ...t, to: number, text: 'Sent from the phone itself' } },
  'post /sandbox/logout': { body: t },
}

export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`
