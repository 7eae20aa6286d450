// The sandbox's own API (mounted only in sandbox mode): drive the simulated phone and contacts.
// Only a type import of the simulator: this module never loads it.
import { body, param } from 'express-validator'
import type { GatewayApp } from '../../app.js'
import { badRequest, conflict, notFound } from '../../errors.js'
import { jidUser } from '../../messaging/jid.js'
import type { SimContact, Simulator } from '../../simulator/index.js'
import { defineRoutes } from '../route.js'
import { tokenIn } from '../validators.js'

const digits = (v: unknown) => String(v ?? '').replace(/\D/g, '')
const numberParam = param('number').customSanitizer(digits).isLength({ min: 5, max: 15 }).withMessage('must be a phone number')

/** The account number (digits) behind an open instance. */
function accountPhone(gw: GatewayApp, token: string): string {
  const session = gw.sessions.require(token)
  const phone = jidUser(session.user?.id)
  if (session.state !== 'open' || !phone) throw conflict(`instance "${token}" is not connected (state: ${session.state})`)
  return phone
}

/** A simulated contact as the sandbox API shows it. */
const contactView = (c: SimContact) => ({
  number: c.number, jid: c.jid, lid: c.lid, onWhatsApp: c.onWhatsApp, name: c.name, hidePhone: c.hidePhone, devices: c.deviceIds().length,
})

export function sandboxRoutes(gw: GatewayApp, sim: Simulator) {
  /** call id → the instance token it was made to (the simulator only knows account numbers) */
  const callTokens = new Map<string, string>()
  const requireContact = (number: string) => {
    const contact = sim.contact(number)
    if (!contact) throw notFound(`no simulated contact ${number}; see GET /api/sandbox/contacts`)
    return contact
  }
  // The phone a pairing code was asked for, per token: the simulated phone of that number enters it.
  const pairingPhones = new Map<string, string>()
  gw.bus.on('pairing-code', (e) => pairingPhones.set(e.token, e.phone))
  return defineRoutes([
    {
      method: 'post',
      path: '/sandbox/pair',
      tag: 'Sandbox',
      summary: 'The simulated phone enters the instance\'s pairing code (create-instance with {token, phone} first); answers {phone}',
      validators: [
        tokenIn(),
        body('code').exists({ values: 'falsy' }).withMessage('is required').bail()
          .isString().withMessage('must be a string')
          .customSanitizer((v: string) => v.replace(/[\s-]/g, '').toUpperCase())
          .matches(/^[0-9A-Z]{8}$/).withMessage('must be the 8-character pairing code'),
      ],
      handler: async (req) => {
        const session = gw.sessions.require(String(req.body.token))
        const phone = pairingPhones.get(session.token)
        if (!session.pairingCode || !phone) {
          throw conflict(`instance "${session.token}" is not waiting for a pairing code (state: ${session.state}); create it with {token, phone}`)
        }
        try {
          await sim.enterPairingCode(phone, String(req.body.code))
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err)
          throw /wrong code/.test(message) ? badRequest('code: is not the pairing code the instance shows') : conflict(`the simulated phone could not link: ${message}`)
        }
        return { phone }
      },
    },
    {
      method: 'post',
      path: '/sandbox/scan',
      tag: 'Sandbox',
      summary: 'A simulated phone scans the instance\'s current QR (optionally as `phone`); after the first login it pushes `history` {chats, messages} (default 2 × 3)',
      validators: [
        tokenIn(),
        body('phone').optional().customSanitizer(digits).isLength({ min: 5, max: 15 }),
        body('history').optional().isObject().withMessage('must be {chats, messages}'),
        body('history.chats').if(body('history').exists()).isInt({ min: 0, max: 100_000 }).withMessage('must be 0-100000').toInt(),
        body('history.messages').if(body('history').exists()).isInt({ min: 0, max: 100_000 }).withMessage('must be 0-100000').toInt(),
      ],
      handler: async (req) => {
        const session = gw.sessions.require(String(req.body.token))
        if (!session.qr) throw conflict(`instance "${session.token}" shows no QR (state: ${session.state})`)
        const history = req.body.history as { chats: number; messages: number } | undefined
        return sim.scanQr(session.qr, req.body.phone as string | undefined, history ? { history } : {})
      },
    },
    {
      method: 'get',
      path: '/sandbox/contacts',
      tag: 'Sandbox',
      summary: 'Simulated contacts',
      handler: () => sim.contacts().map(contactView),
    },
    {
      method: 'post',
      path: '/sandbox/contacts',
      tag: 'Sandbox',
      summary: 'Add a simulated contact',
      validators: [
        body('number').optional().customSanitizer(digits).isLength({ min: 5, max: 15 }).withMessage('must be a phone number'),
        body('onWhatsApp').optional().isBoolean().withMessage('must be a boolean'),
        body('name').optional().isString().isLength({ max: 100 }),
        body('echo').optional().isBoolean(),
        body('hidePhone').optional().isBoolean().withMessage('must be a boolean'),
        body('addressing').optional().isIn(['pn', 'lid']).withMessage('must be pn or lid'),
        body('devices').optional().isInt({ min: 1, max: 5 }).withMessage('must be 1-5').toInt(),
      ],
      handler: async (req) => {
        const { number, onWhatsApp, name, echo, hidePhone, addressing, devices } = req.body as {
          number?: string; onWhatsApp?: boolean; name?: string; echo?: boolean; hidePhone?: boolean; addressing?: 'pn' | 'lid'; devices?: number
        }
        if (number && sim.contact(number)) throw conflict(`contact ${number} already exists`)
        return contactView(await sim.createContact({ number, onWhatsApp, name, echo, hidePhone, addressing, devices }))
      },
    },
    {
      method: 'post',
      path: '/sandbox/contacts/:number/send',
      largeBody: true,
      tag: 'Sandbox',
      summary: 'The contact sends a text or a media message to the instance\'s account',
      validators: [
        numberParam,
        tokenIn(),
        body('text').optional().isString().isLength({ min: 1, max: 65_536 }),
        body('media').optional().isObject(),
        body('media.base64').if(body('media').exists()).isBase64().withMessage('must be base64'),
        body('media.mimetype').if(body('media').exists()).isMimeType().withMessage('must be a mime type'),
        body('media.fileName').optional().isString(),
        body('media.caption').optional().isString(),
        body('device').optional().isInt({ min: 0, max: 4 }).withMessage('must be a device id 0-4').toInt(),
      ],
      handler: async (req) => {
        const contact = requireContact(String(req.params.number))
        const to = accountPhone(gw, String(req.body.token))
        const { text, media, device } = req.body as { text?: string; media?: { base64: string; mimetype: string; fileName?: string; caption?: string }; device?: number }
        if (device !== undefined && !contact.deviceIds().includes(device)) throw badRequest(`contact ${contact.number} has no device ${device} (devices: ${contact.deviceIds().join(', ')})`)
        if (media) {
          const data = Buffer.from(media.base64, 'base64')
          return contact.sendMedia(to, { data, mimetype: media.mimetype, fileName: media.fileName, caption: media.caption }, { device })
        }
        if (!text) throw badRequest('text or media is required')
        return contact.sendText(to, text, { device })
      },
    },
    {
      method: 'get',
      path: '/sandbox/contacts/:number/messages',
      tag: 'Sandbox',
      summary: 'What the contact received, decrypted, oldest first',
      validators: [numberParam],
      handler: (req) =>
        requireContact(String(req.params.number)).received().map((m) => ({
          id: m.id, from: m.from, chat: m.chat, device: m.device ?? 0, type: m.type, text: m.text, caption: m.caption,
          media: m.media ? { mimetype: m.media.mimetype, size: m.media.size, sha256: m.media.sha256, fileName: m.media.fileName } : undefined,
          receivedAt: m.receivedAt,
        })),
    },
    {
      method: 'post',
      path: '/sandbox/contacts/:number/call',
      tag: 'Sandbox',
      summary: 'The contact calls the instance\'s account {token, video?, ringMs? (default 45000: then it is missed)} → {id}',
      validators: [
        numberParam,
        tokenIn(),
        body('video').optional().isBoolean({ strict: true }).withMessage('must be true or false'),
        body('ringMs').optional().isInt({ min: 10, max: 600_000 }).withMessage('must be 10-600000').toInt(),
      ],
      handler: (req) => {
        const contact = requireContact(String(req.params.number))
        const token = String(req.body.token)
        const phone = accountPhone(gw, token)
        if (!contact.onWhatsApp) throw badRequest(`contact ${contact.number} is not on WhatsApp`)
        const call = sim.call(contact.number, phone, { video: req.body.video === true, ringMs: req.body.ringMs as number | undefined })
        callTokens.set(call.id, token)
        return { id: call.id }
      },
    },
    {
      method: 'get',
      path: '/sandbox/contacts/:number/calls',
      tag: 'Sandbox',
      summary: 'Calls the contact made: [{id, token, status: ringing|rejected|missed, video}]',
      validators: [numberParam],
      handler: (req) => {
        const contact = requireContact(String(req.params.number))
        return sim.calls(contact.number).map((c) => ({ id: c.id, token: callTokens.get(c.id) ?? null, status: c.status, video: c.video }))
      },
    },
    {
      method: 'post',
      path: '/sandbox/phone/send',
      tag: 'Sandbox',
      summary: 'The account\'s own phone sends a text to a contact (`to`: number or …@lid); the gateway sees it as a fromMe message',
      validators: [
        tokenIn(),
        body('to').isString().matches(/^(\+?[\d\s-]{5,20}|\d{5,20}@(s\.whatsapp\.net|lid))$/).withMessage('must be a contact\'s number or jid'),
        body('text').isString().isLength({ min: 1, max: 65_536 }),
      ],
      handler: async (req) => {
        const phone = accountPhone(gw, String(req.body.token))
        const to = String(req.body.to)
        if (!to.includes('@')) requireContact(digits(to))
        try {
          return await sim.phoneSendText(phone, to, String(req.body.text))
        } catch (err) {
          throw badRequest(err instanceof Error ? err.message : String(err))
        }
      },
    },
    {
      method: 'post',
      path: '/sandbox/logout',
      tag: 'Sandbox',
      summary: 'The phone removes the linked device (the gateway sees a 401 logout)',
      validators: [tokenIn()],
      handler: async (req) => {
        const phone = accountPhone(gw, String(req.body.token))
        await sim.logout(phone)
        return { phone }
      },
    },
  ])
}
