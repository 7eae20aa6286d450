// Sending and the calls around it: one route per send action (from the shared registry, with its
// validators), plus is-exists, get-profile-picture, read-messages and send-presence.
import type { Request, RequestHandler } from 'express'
import type { Config } from '../../config/index.js'
import { SEND_ACTIONS } from '../../messaging/actions.js'
import { fixedIdsFrom } from '../../messaging/fixed-ids.js'
import type { Messenger } from '../../messaging/messenger.js'
import { PRESENCES } from '../../messaging/queries.js'
import { isExistsRules, presenceRules, profilePictureRules, readMessagesRules } from '../../messaging/validators.js'
import { idempotencySeedOf } from '../idempotency.js'
import { scopeOf } from '../scope.js'
import { defineRoutes, type RouteDef } from '../route.js'
import { uploadMiddleware, uploadOf } from './media.js'

/** Actions that take a multipart `file` besides url/base64. */
const UPLOADS = new Set(['sendMedia', 'sendSticker'])

type Body = Record<string, unknown>

/** A keyed request's message / batch ids, fixed before the send (see http/idempotency). */
const fixedIdsOf = (req: Request) => {
  const seed = idempotencySeedOf(req)
  return seed ? fixedIdsFrom(seed) : undefined
}

export function messageRoutes(messenger: Messenger, config: Pick<Config, 'mediaMaxBytes'>): RouteDef[] {
  const upload: RequestHandler = uploadMiddleware(messenger.uploadDir, config.mediaMaxBytes)
  const sends: RouteDef[] = SEND_ACTIONS.map((a) => ({
    method: 'post',
    path: a.path,
    tag: 'Messages',
    summary: a.summary,
    validators: a.validators,
    before: UPLOADS.has(a.name) ? [upload] : undefined,
    consumes: UPLOADS.has(a.name) ? ['multipart/form-data'] : undefined,
    largeBody: UPLOADS.has(a.name) || undefined,
    // A scoped API key never makes the gateway fetch from a private address.
    handler: (req) => messenger.execute(a.name, req.body as Body, { upload: uploadOf(req), fixed: fixedIdsOf(req), publicOnly: !scopeOf(req).admin }),
  }))
  return defineRoutes([
    ...sends,
    {
      method: 'post',
      path: '/whatsapp/is-exists',
      tag: 'Messages',
      summary: 'Whether a phone number is on WhatsApp: {exists, jid}',
      validators: isExistsRules(),
      handler: (req) => messenger.isExists(req.body as Body),
    },
    {
      method: 'post',
      path: '/whatsapp/get-profile-picture',
      tag: 'Messages',
      summary: 'Profile picture URL of a number or group (data is the URL); `highrest: true` for full size',
      validators: profilePictureRules(),
      handler: (req) => messenger.profilePicture(req.body as Body),
    },
    {
      method: 'post',
      path: '/whatsapp/read-messages',
      tag: 'Messages',
      summary: 'Mark messages as read (blue ticks): {token, keys: [{remoteJid, id, participant?}]}',
      validators: readMessagesRules(),
      handler: (req) => messenger.readMessages(req.body as Body),
    },
    {
      method: 'post',
      path: '/whatsapp/send-presence',
      tag: 'Messages',
      summary: 'Show typing / recording / paused (or available / unavailable) in a chat',
      validators: presenceRules(PRESENCES),
      handler: (req) => messenger.sendPresence(req.body as Body),
    },
  ])
}
