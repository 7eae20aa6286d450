// Named JSON schemas (OpenAPI 3.0 components) of what routes answer under `data`, each with an
// example. Our own shapes are closed (additionalProperties: false) so an undocumented field is
// drift; WhatsApp's own objects (messages, keys) stay open. The e2e harness validates every
// answer it sees against these (test/helpers/contract.ts).

type Schema = Record<string, unknown>

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const str = (description?: string, example?: unknown): Schema => ({ type: 'string', ...(description ? { description } : {}), ...(example !== undefined ? { example } : {}) })
const int = (description?: string): Schema => ({ type: 'integer', ...(description ? { description } : {}) })
const nullable = (s: Schema): Schema => ({ ...s, nullable: true })
const closed = (properties: Record<string, Schema>, required: string[], example?: unknown): Schema =>
  ({ type: 'object', additionalProperties: false, required, properties, ...(example !== undefined ? { example } : {}) })
const arrayOf = (items: Schema): Schema => ({ type: 'array', items })

const JID = '15551234567@s.whatsapp.net'
const GROUP = '120363000000000001@g.us'
const KEY = { remoteJid: JID, fromMe: true, id: '3EB0C431C26A1916E0A1' }
const USER = { id: '15550001111:12@s.whatsapp.net', name: 'Sales' }
const TIME = 1767225600000

// Inlined where it may be null: OpenAPI 3.0 cannot mark a $ref nullable.
const sessionUser: Schema = {
  type: 'object', required: ['id'], description: 'The linked WhatsApp account',
  properties: { id: str('The account JID (with its device)'), name: str(), lid: str('The account LID') }, example: USER,
}

export const CONTRACT_SCHEMAS: Record<string, Schema> = {
  InstanceState: { type: 'string', enum: ['connecting', 'qr', 'open', 'closed', 'logged-out', 'failed'] },
  SessionUser: sessionUser,
  InstanceSummary: closed({ token: str(), state: ref('InstanceState'), user: nullable(sessionUser), proxy: nullable(str('The proxy it dials through, password masked')) },
    ['token', 'state', 'user', 'proxy'], { token: 'sales', state: 'open', user: USER, proxy: null }),
  Instance: closed({ token: str(), state: ref('InstanceState'), user: nullable(sessionUser), proxy: nullable(str('The proxy it dials through, password masked')), lastError: nullable(str('Why the last connection attempt failed')) },
    ['token', 'state', 'user', 'proxy', 'lastError'], { token: 'sales', state: 'open', user: USER, proxy: null, lastError: null }),
  InstanceProxy: closed({ token: str(), state: ref('InstanceState'), proxy: nullable(str('Password masked')) }, ['token', 'state', 'proxy'],
    { token: 'sales', state: 'connecting', proxy: 'socks5://user:***@proxy.example.com:1080' }),
  InstanceCreated: closed({
    token: str(), state: ref('InstanceState'), user: nullable(sessionUser), proxy: nullable(str('Password masked')),
    pairingCode: str('Only when `phone` was given: enter it on the phone'), lastError: nullable(str('Only when state is failed: why')), message: str('What to do next'),
  }, ['token', 'state', 'user', 'proxy', 'message'], { token: 'sales', state: 'qr', user: null, proxy: null, message: 'Scan the QR code (Socket.IO event "qrcode" or GET /api/whatsapp/instances/:token/qr)' }),
  InstanceRestarted: closed({ token: str(), state: ref('InstanceState') }, ['token', 'state'], { token: 'sales', state: 'connecting' }),
  Qr: closed({ qr: str('The QR payload'), dataUrl: str('A PNG data URL of the QR') }, ['qr', 'dataUrl'], { qr: '2@AbC…', dataUrl: 'data:image/png;base64,iVBORw0…' }),
  StatusMessage: closed({ status: { type: 'boolean', enum: [true] }, message: str() }, ['status', 'message'], { status: true, message: 'Deleting session and credential' }),

  MessageKey: {
    type: 'object', required: ['id'],
    properties: { remoteJid: str(), fromMe: { type: 'boolean' }, id: str(), participant: nullable(str()) }, example: KEY,
  },
  SentMessage: {
    type: 'object', required: ['key', 'message'], description: 'The sent message as WhatsApp stores it (WAMessage); `key.id` identifies it',
    properties: { key: ref('MessageKey'), message: nullable({ type: 'object' }), messageTimestamp: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, status: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
    example: { key: KEY, message: { extendedTextMessage: { text: 'Hello from the gateway!' } }, messageTimestamp: '1767225600', status: 'PENDING' },
  },
  BatchAccepted: closed({ batchId: str('Follow it with GET /batches/{id} or the send-progress events'), total: int() }, ['batchId', 'total'],
    { batchId: '6f1c2f4e-2b7a-4c1e-9a53-0d7f1b2c3d4e', total: 3 }),
  SendResult: {
    description: 'One number: the sent message. A list of numbers: the queued batch.',
    anyOf: [ref('SentMessage'), ref('BatchAccepted')],
  },
  BatchItem: closed({
    number: str(), status: { type: 'string', enum: ['pending', 'sending', 'sent', 'failed'] },
    id: nullable(str('The sent message id')), error: nullable(str()),
  }, ['number', 'status', 'id', 'error']),
  Batch: closed({
    batchId: str(), token: str(), action: str('The send action, e.g. sendText'), status: { type: 'string', enum: ['queued', 'running', 'done', 'cancelled'] },
    total: int(), done: int(), sent: int(), failed: int(), createdAt: int('ms since epoch'), finishedAt: nullable(int()), nextAt: nullable(int('When the next number is sent (ms)')),
    items: arrayOf(ref('BatchItem')),
  }, ['batchId', 'token', 'action', 'status', 'total', 'done', 'sent', 'failed', 'createdAt', 'finishedAt', 'nextAt', 'items'], {
    batchId: '6f1c2f4e-2b7a-4c1e-9a53-0d7f1b2c3d4e', token: 'sales', action: 'sendText', status: 'running', total: 2, done: 1, sent: 1, failed: 0,
    createdAt: TIME, finishedAt: null, nextAt: TIME + 12_000,
    items: [{ number: '15551230001', status: 'sent', id: '3EB0A1', error: null }, { number: '15551230002', status: 'pending', id: null, error: null }],
  }),
  Exists: closed({ exists: { type: 'boolean' }, jid: str() }, ['exists', 'jid'], { exists: true, jid: JID }),
  Read: closed({ read: int('How many messages were marked read') }, ['read'], { read: 1 }),
  Presence: closed({ jid: str(), presence: str() }, ['jid', 'presence'], { jid: JID, presence: 'typing' }),

  GroupParticipant: closed({ id: str('PN jid when known, else the LID jid'), admin: nullable({ type: 'string', enum: ['admin', 'superadmin', null] }), lid: str() }, ['id', 'admin']),
  Group: closed({
    id: str(), subject: str(), creation: nullable(int('unix seconds')), owner: nullable(str()), restrict: { type: 'boolean' }, announce: { type: 'boolean' },
    desc: nullable(str()), size: int(), participants: arrayOf(ref('GroupParticipant')),
  }, ['id', 'subject', 'creation', 'owner', 'restrict', 'announce', 'desc', 'size', 'participants'], {
    id: GROUP, subject: 'Team', creation: 1767225600, owner: JID, restrict: false, announce: false, desc: null, size: 2,
    participants: [{ id: JID, admin: 'superadmin' }, { id: '15551230001@s.whatsapp.net', admin: null }],
  }),
  ParticipantResult: closed({
    jid: str(), status: int('WhatsApp\'s code: 200 done, otherwise the refusal'), ok: { type: 'boolean' }, error: str(), inviteCode: str('For a refused add: an invite to send instead'),
  }, ['jid', 'status', 'ok'], { jid: '15551230003@s.whatsapp.net', status: 200, ok: true }),
  GroupSubject: closed({ id: str(), subject: str() }, ['id', 'subject'], { id: GROUP, subject: 'Team 2026' }),
  GroupDescription: closed({ id: str(), description: nullable(str()) }, ['id', 'description'], { id: GROUP, description: 'Where the team talks' }),
  GroupSetting: closed({ id: str(), setting: { type: 'string', enum: ['announcement', 'not_announcement', 'locked', 'unlocked'] } }, ['id', 'setting'], { id: GROUP, setting: 'announcement' }),
  GroupInvite: closed({ id: str(), code: str(), link: str() }, ['id', 'code', 'link'], { id: GROUP, code: 'AbCdEfGhIjK123', link: 'https://chat.whatsapp.com/AbCdEfGhIjK123' }),
  GroupJoined: closed({ id: str() }, ['id'], { id: GROUP }),
  GroupLeft: closed({ id: str(), left: { type: 'boolean', enum: [true] } }, ['id', 'left'], { id: GROUP, left: true }),

  SchedulerJob: closed({
    id: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, token: str(), type: str('A send action: sendText, sendMedia, …'), data: { type: 'object', description: 'The send body without token' },
    time: str('Cron expression'), timezone: str(), createdAt: str(), updatedAt: str(), active: { type: 'boolean' }, error: str('Why the job could not be scheduled'),
    nextRun: nullable(str('ISO time')), lastRun: nullable(closed({ at: str(), ok: { type: 'boolean' }, error: str() }, ['at', 'ok'])),
  }, ['id', 'token', 'type', 'data', 'time', 'active', 'nextRun', 'lastRun'], {
    id: 1, token: 'sales', type: 'sendText', data: { number: '15551234567', text: 'Good morning' }, time: '0 8 * * *', timezone: 'Asia/Jakarta',
    createdAt: '2026-01-01T00:00:00.000Z', active: true, nextRun: '2026-01-02T01:00:00.000Z', lastRun: null,
  }),
  SchedulerRun: closed({ id: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, ok: { type: 'boolean', enum: [true] }, result: { description: 'The send result (as the send route answers)' } },
    ['id', 'ok', 'result']),

  Chat: closed({ id: str(), conversationTimestamp: int('unix seconds of the last message'), unreadCount: int(), name: str() }, ['id', 'conversationTimestamp', 'unreadCount'],
    { id: JID, conversationTimestamp: 1767225600, unreadCount: 2, name: 'Alice' }),
  Contact: closed({ id: str(), name: str() }, ['id']),
  ContactsById: { type: 'object', additionalProperties: ref('Contact'), example: { [JID]: { id: JID, name: 'Alice' } } },
  StoredMessage: {
    type: 'object', required: ['key', 'message', 'messageTimestamp', 'pushName'],
    properties: { key: ref('MessageKey'), message: nullable({ type: 'object' }), messageTimestamp: str('unix seconds'), pushName: nullable(str()), status: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
    example: { key: { remoteJid: JID, fromMe: false, id: 'ABCD1234' }, message: { conversation: 'Hi!' }, messageTimestamp: '1767225600', pushName: 'Alice' },
  },
  MessagesByChat: { type: 'object', additionalProperties: arrayOf(ref('StoredMessage')) },

  WebhookConfig: closed({ token: str(), url: str(), events: arrayOf(str()), hasSecret: { type: 'boolean' }, createdAt: int(), updatedAt: int() },
    ['token', 'url', 'events', 'hasSecret', 'createdAt', 'updatedAt'],
    { token: 'sales', url: 'https://my.app/wa/webhook', events: ['message-upsert'], hasSecret: true, createdAt: TIME, updatedAt: TIME }),
  WebhookRemoved: closed({ token: str(), removed: { type: 'boolean', enum: [true] } }, ['token', 'removed'], { token: 'sales', removed: true }),
  Delivery: closed({
    id: str('X-Delivery-Id'), token: str(), url: str(), chat: str('The chat jid; "" for instance events'), event: str(),
    status: { type: 'string', enum: ['pending', 'delivered', 'dead'] }, attempts: int(), nextAt: int(), lastStatus: nullable(int()), lastError: nullable(str()), lastAnswer: nullable(str()),
    createdAt: int(), updatedAt: int(),
  }, ['id', 'token', 'url', 'chat', 'event', 'status', 'attempts', 'nextAt', 'lastStatus', 'lastError', 'lastAnswer', 'createdAt', 'updatedAt'], {
    id: '0b9d6c1e-3f7a-4f4e-8a53-2d7f1b2c3d4e', token: 'sales', url: 'https://my.app/wa/webhook', chat: JID, event: 'message-upsert', status: 'delivered',
    attempts: 1, nextAt: TIME, lastStatus: 204, lastError: null, lastAnswer: '', createdAt: TIME, updatedAt: TIME,
  }),
  Replayed: closed({ replayed: int() }, ['replayed'], { replayed: 2 }),

  ApiKey: closed({ id: str(), name: str(), tokens: arrayOf(str('A token, or a pattern such as shop-* or *')), createdAt: str('ISO time'), lastUsedAt: nullable(str('ISO time')) },
    ['id', 'name', 'tokens', 'createdAt', 'lastUsedAt'],
    { id: '2b1f0c9e-8d7a-4e6b-9c5d-4a3b2c1d0e9f', name: 'Shop backend', tokens: ['shop-*'], createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null }),
  ApiKeyCreated: closed({ id: str(), name: str(), tokens: arrayOf(str()), key: str('The key itself: shown only in this answer'), createdAt: str('ISO time') },
    ['id', 'name', 'tokens', 'key', 'createdAt'],
    { id: '2b1f0c9e-8d7a-4e6b-9c5d-4a3b2c1d0e9f', name: 'Shop backend', tokens: ['shop-*'], key: 'wak_…', createdAt: '2026-01-01T00:00:00.000Z' }),
  ApiKeyRevoked: closed({ id: str(), revoked: { type: 'boolean', enum: [true] } }, ['id', 'revoked'], { id: '2b1f0c9e-8d7a-4e6b-9c5d-4a3b2c1d0e9f', revoked: true }),

  SandboxPhone: closed({ phone: str('The simulated account\'s number') }, ['phone'], { phone: '15550001111' }),
  // The simulator's shapes grow with it: open objects.
  SandboxContact: { type: 'object', required: ['number', 'jid', 'onWhatsApp'], properties: { number: str(), jid: str(), onWhatsApp: { type: 'boolean' }, name: str() },
    example: { number: '15551234567', jid: JID, onWhatsApp: true, name: 'Alice' } },
  SandboxCall: { type: 'object', required: ['id', 'status'], properties: { id: str(), token: nullable(str()), status: str('ringing, rejected or missed'), video: { type: 'boolean' } } },
  CallSettings: closed({ reject: { type: 'boolean' }, message: str('Text sent to a rejected caller'), source: { type: 'string', enum: ['instance', 'global'] } }, ['reject', 'source'],
    { reject: true, message: 'Sorry, this number cannot take calls. Please write instead.', source: 'instance' }),
  SandboxSent: { type: 'object', required: ['id'], properties: { id: str() }, example: { id: 'ABCD1234' } },
  SandboxReceived: {
    type: 'object', required: ['id', 'from', 'chat', 'type', 'receivedAt'],
    properties: { id: str(), from: str(), chat: str(), type: str(), text: str(), caption: str(), media: { type: 'object' }, receivedAt: int() },
  },
}

/** The `data` schema of each route, by `<method> <express path under /api>`. */
export const ROUTE_DATA: Record<string, Schema> = {
  'post /whatsapp/create-instance': ref('InstanceCreated'),
  'get /whatsapp/instances': arrayOf(ref('InstanceSummary')),
  'get /whatsapp/instances/:token': ref('Instance'),
  'get /whatsapp/instances/:token/qr': ref('Qr'),
  'post /whatsapp/instances/:token/restart': ref('InstanceRestarted'),
  'post /whatsapp/instances/:token/proxy': ref('InstanceProxy'),
  'post /whatsapp/delete-credential': ref('StatusMessage'),
  'post /whatsapp/is-exists': ref('Exists'),
  'post /whatsapp/get-profile-picture': str('The picture URL', 'https://pps.whatsapp.net/v/t61/…'),
  'post /whatsapp/read-messages': ref('Read'),
  'post /whatsapp/send-presence': ref('Presence'),
  'get /whatsapp/batches/:id': ref('Batch'),
  'post /whatsapp/batches/:id/cancel': ref('Batch'),
  'post /whatsapp/group-metadata': ref('Group'),
  'post /whatsapp/group-list': arrayOf(ref('Group')),
  'post /whatsapp/group-create': ref('Group'),
  'post /whatsapp/group-participants': arrayOf(ref('ParticipantResult')),
  'post /whatsapp/group-subject': ref('GroupSubject'),
  'post /whatsapp/group-description': ref('GroupDescription'),
  'post /whatsapp/group-settings': ref('GroupSetting'),
  'post /whatsapp/group-invite-code': ref('GroupInvite'),
  'post /whatsapp/group-revoke-invite': ref('GroupInvite'),
  'post /whatsapp/group-join': ref('GroupJoined'),
  'post /whatsapp/group-leave': ref('GroupLeft'),
  'post /whatsapp/scheduler': arrayOf(ref('SchedulerJob')),
  'post /whatsapp/scheduler/add-scheduler': arrayOf(ref('SchedulerJob')),
  'post /whatsapp/scheduler/update-scheduler': arrayOf(ref('SchedulerJob')),
  'post /whatsapp/scheduler/stop-scheduler': ref('StatusMessage'),
  'post /whatsapp/scheduler/run-now': ref('SchedulerRun'),
  'post /whatsapp/store/chats': {
    description: 'type chats → [Chat]; contacts → {jid: Contact}; messages → {jid: [StoredMessage]}, or with jid → [StoredMessage]',
    anyOf: [arrayOf(ref('Chat')), ref('ContactsById'), ref('MessagesByChat'), arrayOf(ref('StoredMessage'))],
  },
  'get /whatsapp/store/:token/chats': arrayOf(ref('Chat')),
  'get /whatsapp/store/:token/contacts': ref('ContactsById'),
  'get /whatsapp/store/:token/chats/:jid/messages': arrayOf(ref('StoredMessage')),
  'post /whatsapp/instances/:token/webhook': ref('WebhookConfig'),
  'get /whatsapp/instances/:token/webhook': ref('WebhookConfig'),
  'delete /whatsapp/instances/:token/webhook': ref('WebhookRemoved'),
  'get /whatsapp/instances/:token/webhook/deliveries': arrayOf(ref('Delivery')),
  'post /whatsapp/instances/:token/webhook/deliveries/replay-dead': ref('Replayed'),
  'post /whatsapp/instances/:token/webhook/deliveries/:id/replay': ref('Delivery'),
  'post /keys': ref('ApiKeyCreated'),
  'get /keys': arrayOf(ref('ApiKey')),
  'delete /keys/:id': ref('ApiKeyRevoked'),
  'get /whatsapp/instances/:token/calls': ref('CallSettings'),
  'put /whatsapp/instances/:token/calls': ref('CallSettings'),
  'delete /whatsapp/instances/:token/calls': ref('CallSettings'),
  'post /sandbox/contacts/:number/call': ref('SandboxSent'),
  'get /sandbox/contacts/:number/calls': arrayOf(ref('SandboxCall')),
  'post /sandbox/scan': ref('SandboxPhone'),
  'post /sandbox/pair': ref('SandboxPhone'),
  'get /sandbox/contacts': arrayOf(ref('SandboxContact')),
  'post /sandbox/contacts': ref('SandboxContact'),
  'post /sandbox/contacts/:number/send': ref('SandboxSent'),
  'get /sandbox/contacts/:number/messages': arrayOf(ref('SandboxReceived')),
  'post /sandbox/logout': ref('SandboxPhone'),
}

/** Send routes (every path the send registry mounts) answer a SendResult. */
export const SEND_DATA = ref('SendResult')
