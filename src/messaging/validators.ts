// Validator chains of the send actions. The HTTP routes and the scheduler run the very same chains
// (the scheduler with `chain.run({ body })` on a job's data), so a job can never carry a body the
// endpoint would refuse.
import { body, type ValidationChain } from 'express-validator'
import { single, tokenIn } from '../http/validators.js'
import { isPlainObject } from '../util/plain-object.js'
import { InvalidNumberError, parseTarget } from './jid.js'
import { STYLES } from './interactive.js'
import { isMimeType, MEDIA_TYPES } from './media-type.js'

/** Upper bound of numbers in one bulk batch. */
export const MAX_BATCH = 10_000
const MAX_TEXT = 65_536

/** `number`: one phone number / JID, or an array of them (a bulk batch). */
export const numberRule = () =>
  body('number')
    .exists({ values: 'null' })
    .withMessage('is required')
    .bail()
    .custom((v: unknown) => {
      if (!Array.isArray(v)) return parseTarget(v) && true
      if (v.length === 0) throw new Error('must not be an empty array')
      if (v.length > MAX_BATCH) throw new Error(`at most ${MAX_BATCH} numbers per request`)
      v.forEach((n, i) => {
        try {
          parseTarget(n)
        } catch (err) {
          throw new Error(`[${i}] ${err instanceof InvalidNumberError ? err.message : String(err)}`)
        }
      })
      return true
    })

/** Optional per-request delay between bulk sends, in seconds: {min, max}. */
const delayRules = () => [
  body('delay').optional({ values: 'null' }).custom(isPlainObject).withMessage('must be an object {min, max} in seconds'),
  single(body('delay.min').optional()).isFloat({ min: 0, max: 86_400 }).withMessage('must be 0-86400 seconds').toFloat(),
  single(body('delay.max').optional()).isFloat({ min: 0, max: 86_400 }).withMessage('must be 0-86400 seconds').toFloat(),
  body('delay').optional({ values: 'null' }).custom((d: { min?: number; max?: number }) => {
    if (d.min !== undefined && d.max !== undefined && Number(d.max) < Number(d.min)) throw new Error('max must be >= min')
    return true
  }),
]

/** A message key: {id, remoteJid?, fromMe?, participant?}. */
export const keyRules = (field: string, required = true) => {
  const base = body(field)
  return [
    (required ? base.exists({ values: 'null' }).withMessage('is required').bail() : base.optional({ values: 'null' }))
      .custom(isPlainObject).withMessage('must be a message key object {id, remoteJid, fromMe}'),
    body(`${field}.id`).if(body(field).custom(isPlainObject)).isString().withMessage('is required (the message id)').bail().isLength({ min: 1, max: 128 }),
    body(`${field}.remoteJid`).optional({ values: 'null' }).isString().withMessage('must be a JID string'),
    single(body(`${field}.fromMe`).optional({ values: 'null' })).isBoolean().withMessage('must be a boolean').toBoolean(),
    body(`${field}.participant`).optional({ values: 'null' }).isString().withMessage('must be a JID string'),
  ]
}

/** `quoted`: the key of the message to reply to, or {key, message} as a message-upsert event gives it. */
const quotedRules = () => [
  body('quoted').optional({ values: 'null' }).custom((q: unknown) => {
    if (!isPlainObject(q)) throw new Error('must be a message key {id, remoteJid, fromMe} or {key, message}')
    const key = isPlainObject(q.key) ? q.key : q
    if (typeof key.id !== 'string' || !key.id) throw new Error('needs the quoted message id (quoted.id or quoted.key.id)')
    if (q.message !== undefined && q.message !== null && !isPlainObject(q.message)) throw new Error('quoted.message must be an object')
    return true
  }),
]

/** Rules every send shares: token, number, quoted, delay. */
export const commonRules = (): ValidationChain[] => [tokenIn(), numberRule(), ...quotedRules(), ...delayRules()]

const text = (field: string, max = MAX_TEXT, required = true) => {
  const c = body(field)
  return (required ? c.exists({ values: 'null' }).withMessage('is required').bail() : c.optional({ values: 'null' }))
    .isString().withMessage('must be a string').bail()
    .isLength({ min: required ? 1 : 0, max }).withMessage(required ? `must be 1-${max} characters` : `must be at most ${max} characters`)
}

const httpUrl = (field: string, required = false) =>
  (required ? body(field).exists({ values: 'falsy' }).withMessage('is required').bail() : body(field).optional({ values: 'falsy' }))
    .isString().withMessage('must be a string').bail()
    .isURL({ protocols: ['http', 'https'], require_protocol: true, require_tld: false, require_host: true })
    .withMessage('must be an http(s) URL')

const style = () => single(body('style').optional({ values: 'null' })).isIn(STYLES).withMessage(`must be one of ${STYLES.join(', ')}`)

export const textRules = () => [
  ...commonRules(),
  text('text'),
  body('mentions').optional({ values: 'null' }).isArray({ max: 1024 }).withMessage('must be an array of numbers or JIDs'),
  body('mentions.*').custom((v: unknown) => parseTarget(v) && true),
]

/** Media source fields shared by send-media and send-sticker (the upload itself is not in the body). */
const mediaSourceRules = () => [
  httpUrl('url'),
  body('base64').optional({ values: 'falsy' }).isString().withMessage('must be a base64 string or a data: URL'),
  body('url').custom((url: unknown, { req }) => {
    if (url && req.body?.base64) throw new Error('give either url or base64, not both')
    return true
  }),
]

export const mediaRules = () => [
  ...commonRules(),
  ...mediaSourceRules(),
  single(body('type').optional({ values: 'falsy' })).isIn(MEDIA_TYPES).withMessage(`must be one of ${MEDIA_TYPES.join(', ')} (or omit it: the kind follows mimetype, or the media's content type, file name or bytes)`),
  body('mimetype').optional({ values: 'falsy' }).custom(isMimeType).withMessage('must be a mime type such as application/pdf'),
  text('fileName', 255, false),
  text('caption', 4096, false),
  single(body('ptt').optional({ values: 'null' })).isBoolean().withMessage('must be a boolean').toBoolean(),
  single(body('viewOnce').optional({ values: 'null' })).isBoolean().withMessage('must be a boolean').toBoolean(),
]

export const stickerRules = () => [...commonRules(), ...mediaSourceRules()]

const buttonRules = (kinds: 'reply' | 'any', max: number) => [
  body('button').exists({ values: 'null' }).withMessage('is required').bail()
    .isArray({ min: 1, max }).withMessage(`must be an array of 1-${max} buttons`),
  body('button.*').custom(isPlainObject).withMessage('must be an object {displayText, …}'),
  body('button.*.displayText').isString().withMessage('is required').bail().isLength({ min: 1, max: 256 }).withMessage('must be 1-256 characters'),
  body('button.*.id').optional({ values: 'null' }).isString().isLength({ min: 1, max: 256 }).withMessage('must be a string'),
  ...(kinds === 'any'
    ? [
        single(body('button.*.url').optional({ values: 'null' })).isURL({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }).withMessage('must be an http(s) URL'),
        body('button.*.phoneNumber').optional({ values: 'null' }).isString().matches(/^\+?[\d\s().-]{3,20}$/).withMessage('must be a phone number'),
        body('button.*.copyCode').optional({ values: 'null' }).isString().isLength({ min: 1, max: 256 }).withMessage('must be a string'),
      ]
    : []),
]

export const buttonMessageRules = () => [
  ...commonRules(),
  ...buttonRules('reply', 3),
  body('message').custom((m: unknown, { req }) => {
    const t = m ?? req.body?.text
    if (typeof t !== 'string' || !t.length) throw new Error('is required (the body text; `text` is accepted too)')
    if (t.length > 4096) throw new Error('must be at most 4096 characters')
    return true
  }),
  text('footer', 60, false),
  text('title', 60, false),
  httpUrl('image'),
  style(),
]

export const templateMessageRules = () => [
  ...commonRules(),
  ...buttonRules('any', 10),
  text('text', 4096),
  text('footer', 60, false),
  text('title', 60, false),
  httpUrl('image'),
  style(),
]

export const listMessageRules = () => [
  ...commonRules(),
  body('list').exists({ values: 'null' }).withMessage('is required').bail().isArray({ min: 1, max: 10 }).withMessage('must be an array of 1-10 sections'),
  body('list.*').custom(isPlainObject).withMessage('must be a section {title, rows}'),
  body('list.*.title').optional({ values: 'null' }).isString().isLength({ max: 24 }).withMessage('must be at most 24 characters'),
  body('list.*.rows').isArray({ min: 1, max: 10 }).withMessage('must be an array of 1-10 rows'),
  body('list.*.rows.*.title').isString().withMessage('is required').bail().isLength({ min: 1, max: 24 }).withMessage('must be 1-24 characters'),
  body('list.*.rows.*.rowId').optional({ values: 'null' }).isString().isLength({ min: 1, max: 200 }).withMessage('must be a string'),
  body('list.*.rows.*.description').optional({ values: 'null' }).isString().isLength({ max: 72 }).withMessage('must be at most 72 characters'),
  body('list').custom((sections: Array<{ rows?: unknown[] }>) => {
    const rows = sections.reduce((n, s) => n + (Array.isArray(s?.rows) ? s.rows.length : 0), 0)
    if (rows > 10) throw new Error(`WhatsApp allows at most 10 rows in all sections together, got ${rows}`)
    return true
  }),
  text('text', 4096),
  text('buttonText', 20),
  text('title', 60, false),
  text('footer', 60, false),
  httpUrl('image'),
  style(),
]

export const reactionRules = () => [
  ...commonRules(),
  body('text').exists().withMessage('is required (an emoji; "" removes the reaction)').bail()
    .isString().withMessage('must be a string').bail().isLength({ max: 32 }).withMessage('must be one emoji'),
  ...keyRules('key'),
]

export const deleteRules = () => [...commonRules(), ...keyRules('key')]

export const editRules = () => [...commonRules(), ...keyRules('key'), text('text')]

export const locationRules = () => [
  ...commonRules(),
  single(body('latitude').exists({ values: 'null' }).withMessage('is required').bail()).isFloat({ min: -90, max: 90 }).withMessage('must be a number between -90 and 90').toFloat(),
  single(body('longitude').exists({ values: 'null' }).withMessage('is required').bail()).isFloat({ min: -180, max: 180 }).withMessage('must be a number between -180 and 180').toFloat(),
  text('name', 256, false),
  text('address', 512, false),
]

const contactCard = (field: string) => {
  // Each card field is checked only when its card is there (contact is one card, contacts a list).
  const gate = () => body(field.replace(/\.\*$/, '')).exists({ values: 'null' })
  return [
    body(`${field}.fullName`).if(gate()).isString().withMessage('is required').bail().isLength({ min: 1, max: 128 }),
    body(`${field}.phone`).if(gate()).exists({ values: 'null' }).withMessage('is required').bail()
      .custom((v: unknown) => (typeof v === 'string' || typeof v === 'number') && /^\+?[\d\s().-]{5,20}$/.test(String(v))).withMessage('must be a phone number'),
    body(`${field}.organization`).optional({ values: 'null' }).isString().isLength({ max: 128 }),
    single(body(`${field}.email`).optional({ values: 'null' })).isEmail().withMessage('must be an e-mail address'),
  ]
}

export const contactRules = () => [
  ...commonRules(),
  body('contact').custom((c: unknown, { req }) => {
    const list = req.body?.contacts
    if (c === undefined && list === undefined) throw new Error('contact {fullName, phone} or contacts [...] is required')
    if (c !== undefined && !isPlainObject(c)) throw new Error('must be an object {fullName, phone, organization?, email?}')
    if (list !== undefined && (!Array.isArray(list) || list.length < 1 || list.length > 20)) throw new Error('contacts must be an array of 1-20 cards')
    return true
  }),
  ...contactCard('contact'),
  ...contactCard('contacts.*'),
]

export const pollRules = () => [
  ...commonRules(),
  text('name', 255),
  body('options').isArray({ min: 2, max: 12 }).withMessage('must be an array of 2-12 options').bail()
    .custom((o: unknown[]) => o.every((x) => typeof x === 'string' && x.length >= 1 && x.length <= 100)).withMessage('every option must be a string of 1-100 characters').bail()
    .custom((o: string[]) => new Set(o).size === o.length).withMessage('options must be unique'),
  single(body('selectableCount').optional({ values: 'null' })).isInt({ min: 0, max: 12 }).withMessage('must be 0 (any number) to the number of options').toInt()
    .custom((n: number, { req }) => !Array.isArray(req.body?.options) || n <= req.body.options.length).withMessage('cannot exceed the number of options'),
]

/** A single recipient (the non-send calls take no arrays). */
const singleNumber = () =>
  body('number').exists({ values: 'null' }).withMessage('is required').bail()
    .not().isArray().withMessage('must be one number or JID here, not an array').bail()
    .custom((v: unknown) => parseTarget(v) && true)

export const isExistsRules = () => [tokenIn(), singleNumber()]

export const profilePictureRules = () => [
  tokenIn(), singleNumber(),
  single(body('highrest').optional({ values: 'null' })).isBoolean().withMessage('must be a boolean').toBoolean(),
  single(body('highres').optional({ values: 'null' })).isBoolean().withMessage('must be a boolean').toBoolean(),
]

export const readMessagesRules = () => [
  tokenIn(),
  body('keys').custom((keys: unknown, { req }) => {
    const list = keys ?? (req.body?.key !== undefined ? [req.body.key] : undefined)
    if (!Array.isArray(list) || list.length < 1 || list.length > 1000) throw new Error('keys: an array of 1-1000 message keys (or one `key`) is required')
    list.forEach((k: unknown, i) => {
      if (!isPlainObject(k) || typeof k.id !== 'string' || !k.id) throw new Error(`[${i}] must be a key {remoteJid, id, participant?}`)
      if (typeof k.remoteJid !== 'string') throw new Error(`[${i}].remoteJid is required`)
      parseTarget(k.remoteJid)
    })
    return true
  }),
]

export const presenceRules = (presences: readonly string[]) => [
  tokenIn(), singleNumber(),
  single(body('presence').exists({ values: 'falsy' }).withMessage('is required').bail())
    .isIn(presences).withMessage(`must be one of ${presences.join(', ')}`),
]

export const downloadRules = () => [
  tokenIn(),
  body('message').optional({ values: 'null' }).custom(isPlainObject).withMessage('must be the message object as message-upsert delivered it'),
  body('key').custom((key: unknown, { req }) => {
    if (req.body?.message) return true
    if (!isPlainObject(key) || typeof key.id !== 'string' || !key.id) throw new Error('key {id, remoteJid, fromMe} or message is required')
    return true
  }),
]
