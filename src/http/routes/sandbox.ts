// The sandbox's own API (mounted only in sandbox mode): drive the simulated phone and contacts.
// Only a type import of the simulator: this module never loads it.
import { body, param } from 'express-validator'
import type { GatewayApp } from '../../app.js'
import { badRequest, conflict, notFound } from '../../errors.js'
import { jidUser } from '../../messaging/jid.js'
import type { Simulator } from '../../simulator/index.js'
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

export function sandboxRoutes(gw: GatewayApp, sim: Simulator) {
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
      summary: 'A simulated phone scans the instance\'s current QR (optionally as `phone`)',
      validators: [tokenIn(), body('phone').optional().customSanitizer(digits).isLength({ min: 5, max: 15 })],
      handler: async (req) => {
        const session = gw.sessions.require(String(req.body.token))
        if (!session.qr) throw conflict(`instance "${session.token}" shows no QR (state: ${session.state})`)
        return sim.scanQr(session.qr, req.body.phone as string | undefined)
      },
    },
    {
      method: 'get',
      path: '/sandbox/contacts',
      tag: 'Sandbox',
      summary: 'Simulated contacts',
      handler: () => sim.contacts().map((c) => ({ number: c.number, jid: c.jid, onWhatsApp: c.onWhatsApp, name: c.name })),
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
      ],
      handler: async (req) => {
        const { number, onWhatsApp, name, echo } = req.body as { number?: string; onWhatsApp?: boolean; name?: string; echo?: boolean }
        if (number && sim.contact(number)) throw conflict(`contact ${number} already exists`)
        const c = await sim.createContact({ number, onWhatsApp, name, echo })
        return { number: c.number, jid: c.jid, onWhatsApp: c.onWhatsApp, name: c.name }
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
      ],
      handler: async (req) => {
        const contact = requireContact(String(req.params.number))
        const to = accountPhone(gw, String(req.body.token))
        const { text, media } = req.body as { text?: string; media?: { base64: string; mimetype: string; fileName?: string; caption?: string } }
        if (media) {
          return contact.sendMedia(to, { data: Buffer.from(media.base64, 'base64'), mimetype: media.mimetype, fileName: media.fileName, caption: media.caption })
        }
        if (!text) throw badRequest('text or media is required')
        return contact.sendText(to, text)
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
          id: m.id, from: m.from, chat: m.chat, type: m.type, text: m.text, caption: m.caption,
          media: m.media ? { mimetype: m.media.mimetype, size: m.media.size, sha256: m.media.sha256, fileName: m.media.fileName } : undefined,
          receivedAt: m.receivedAt,
        })),
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
