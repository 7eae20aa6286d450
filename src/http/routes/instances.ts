// Instances: create (QR or pairing code), list, QR, restart, delete.
import { body } from 'express-validator'
import QRCode from 'qrcode'
import { notFound } from '../../errors.js'
import { maskedProxy, type SessionManager } from '../../sessions/manager.js'
import { InvalidProxyError, parseProxy } from '../../sessions/proxy.js'
import { defineRoutes } from '../route.js'
import { scopeOf } from '../scope.js'
import { tokenIn } from '../validators.js'

const phoneRule = body('phone')
  .optional({ values: 'null' })
  .customSanitizer((v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).replace(/[\s+()-]/g, '') : v))
  .custom((v: unknown) => typeof v === 'string' && /^\d{6,15}$/.test(v))
  .withMessage('must be a phone number in international format (digits, country code first)')

/** `proxy`: a socks5/socks4/http/https URL, or null for none (PROXY, if set, then applies). */
const proxyRule = (required: boolean) => {
  const chain = body('proxy')
  return (required ? chain.exists().withMessage('is required (a proxy URL, or null to remove it)') : chain.optional())
    .custom((v: unknown) => {
      if (v === null) return true
      if (typeof v !== 'string') throw new Error('must be a proxy URL string or null')
      try {
        parseProxy(v)
      } catch (err) {
        throw new Error(err instanceof InvalidProxyError ? err.message : String(err))
      }
      return true
    })
}

export function instanceRoutes(sessions: SessionManager) {
  return defineRoutes([
    {
      method: 'post',
      path: '/whatsapp/create-instance',
      tag: 'Instances',
      summary: 'Start (or return) the instance; QR codes arrive over Socket.IO `qrcode`, or pass `phone` to get a pairing code; `proxy` (socks5/socks4/http/https URL, null = none) is kept for the instance',
      validators: [tokenIn(), phoneRule, proxyRule(false)],
      handler: async (req) => {
        const { token, phone, proxy } = req.body as { token: string; phone?: string; proxy?: string | null }
        const { session, pairingCode } = await sessions.create(token, phone, { proxy })
        return {
          token,
          state: session.state,
          user: session.user ?? null,
          proxy: maskedProxy(session),
          ...(pairingCode ? { pairingCode } : {}),
          ...(session.state === 'failed' ? { lastError: session.lastError ?? null } : {}),
          message: pairingCode
            ? 'Enter this code on the phone: WhatsApp > Linked devices > Link with phone number'
            : session.state === 'failed'
              ? `The instance could not start (${session.lastError ?? 'unknown error'}); fix the cause, then POST /api/whatsapp/instances/${token}/restart`
              : session.state === 'open'
              ? 'Instance is connected'
              : 'Scan the QR code (Socket.IO event "qrcode" or GET /api/whatsapp/instances/:token/qr)',
        }
      },
    },
    {
      method: 'get',
      path: '/whatsapp/instances',
      tag: 'Instances',
      summary: 'List instances with their state: connecting, qr, open, closed, logged-out or failed',
      access: 'self',
      handler: (req) => sessions.list().filter((i) => scopeOf(req).allows(i.token)),
    },
    {
      method: 'get',
      path: '/whatsapp/instances/:token',
      tag: 'Instances',
      summary: 'One instance with its state',
      validators: [tokenIn('param')],
      handler: (req) => {
        const s = sessions.require(String(req.params.token))
        return { token: s.token, state: s.state, user: s.user ?? null, proxy: maskedProxy(s), lastError: s.lastError ?? null }
      },
    },
    {
      method: 'get',
      path: '/whatsapp/instances/:token/qr',
      tag: 'Instances',
      summary: 'The current QR as image/png, or JSON {qr, dataUrl} when the client asks for application/json',
      produces: ['image/png', 'application/json'],
      validators: [tokenIn('param')],
      handler: async (req, res) => {
        const s = sessions.require(String(req.params.token))
        if (!s.qr) throw notFound(`instance "${s.token}" has no QR right now (state: ${s.state})`)
        if (req.accepts(['image/png', 'application/json']) === 'application/json') {
          return { qr: s.qr, dataUrl: s.qrDataUrl ?? (await QRCode.toDataURL(s.qr)) }
        }
        res.type('image/png').send(await QRCode.toBuffer(s.qr))
      },
    },
    {
      method: 'post',
      path: '/whatsapp/instances/:token/restart',
      tag: 'Instances',
      summary: 'Close the socket and connect again with the saved credentials (also leaves state failed)',
      validators: [tokenIn('param')],
      handler: async (req) => {
        const s = await sessions.restart(String(req.params.token))
        return { token: s.token, state: s.state }
      },
    },
    {
      method: 'post',
      path: '/whatsapp/instances/:token/proxy',
      tag: 'Instances',
      summary: 'Set the instance\'s proxy {proxy: "socks5://user:pass@host:1080" | null}; a live connection reconnects through it',
      validators: [tokenIn('param'), proxyRule(true)],
      handler: async (req) => {
        const s = await sessions.setProxy(String(req.params.token), (req.body as { proxy: string | null }).proxy)
        return { token: s.token, state: s.state, proxy: maskedProxy(s) }
      },
    },
    {
      method: 'post',
      path: '/whatsapp/delete-credential',
      tag: 'Instances',
      summary: 'Log out (when connected), close and wipe the instance credentials',
      validators: [tokenIn()],
      handler: async (req) => {
        await sessions.delete(String(req.body.token))
        return { status: true, message: 'Deleting session and credential' }
      },
    },
  ])
}
