// Groups: metadata (the seed's shape), list, create, participants, subject, description, settings,
// invite codes, join and leave. All POST with {token, ...} like the seed's group-metadata.
import { body } from 'express-validator'
import type { GroupService } from '../../groups/service.js'
import { isGroupJid, isInviteCodeOrLink, isParticipant, toParticipantJid } from '../../groups/jids.js'
import { GROUP_SETTINGS, PARTICIPANT_ACTIONS, type GroupSetting, type ParticipantAction } from '../../groups/types.js'
import { defineRoutes } from '../route.js'
import { single, tokenIn } from '../validators.js'

const MAX_PARTICIPANTS = 1024

const groupIn = (field = 'number') =>
  body(field).exists({ values: 'falsy' }).withMessage('is required (the group id, e.g. 120363000000000000@g.us)').bail()
    .custom(isGroupJid).withMessage('must be a group id like 120363000000000000@g.us')

const participantsIn = (min: number) =>
  body('participants').isArray({ min, max: MAX_PARTICIPANTS })
    .withMessage(`must be an array of ${min}-${MAX_PARTICIPANTS} phone numbers or jids`).bail()
    .custom((list: unknown[]) => {
      // The first bad entry's own message (e.g. "looks like a local number") says what to fix.
      list.forEach((p, i) => {
        if (!isParticipant(p)) toParticipantJidOrThrow(p, i)
      })
      return true
    })

const subjectIn = () =>
  body('subject').isString().withMessage('must be a string').bail()
    .trim().isLength({ min: 1, max: 100 }).withMessage('must be 1-100 characters')

function toParticipantJidOrThrow(p: unknown, i: number): void {
  try {
    toParticipantJid(p)
  } catch (err) {
    throw new Error(`entry ${i}: ${(err as Error).message}`)
  }
  throw new Error(`entry ${i} is not a phone number or a user jid`)
}

type Body = Record<string, unknown>
const str = (b: Body, k: string) => String(b[k])

export function groupRoutes(groups: GroupService) {
  return defineRoutes([
    {
      method: 'post',
      path: '/whatsapp/group-metadata',
      tag: 'Groups',
      summary: 'Group metadata {id, subject, creation, owner, restrict, announce, participants:[{id, admin}]} (participants as phone-number jids)',
      validators: [tokenIn(), groupIn()],
      handler: (req) => groups.metadata(str(req.body, 'token'), str(req.body, 'number')),
    },
    {
      method: 'post',
      path: '/whatsapp/group-list',
      tag: 'Groups',
      summary: 'Every group the account is in, each in the group-metadata shape',
      validators: [tokenIn()],
      handler: (req) => groups.list(str(req.body, 'token')),
    },
    {
      method: 'post',
      path: '/whatsapp/group-create',
      tag: 'Groups',
      summary: 'Create a group {subject, participants: [numbers]}; answers its metadata',
      validators: [tokenIn(), subjectIn(), participantsIn(0)],
      handler: (req) => groups.create(str(req.body, 'token'), str(req.body, 'subject'), req.body.participants as Array<string | number>),
    },
    {
      method: 'post',
      path: '/whatsapp/group-participants',
      tag: 'Groups',
      summary: 'Add, remove, promote or demote participants {number, action, participants}; one result per participant',
      validators: [
        tokenIn(), groupIn(), participantsIn(1),
        single(body('action')).isIn(PARTICIPANT_ACTIONS).withMessage(`must be one of ${PARTICIPANT_ACTIONS.join(', ')}`),
      ],
      handler: (req) => groups.participants(
        str(req.body, 'token'), str(req.body, 'number'), req.body.action as ParticipantAction, req.body.participants as Array<string | number>,
      ),
    },
    {
      method: 'post',
      path: '/whatsapp/group-subject',
      tag: 'Groups',
      summary: 'Change the group subject (name)',
      validators: [tokenIn(), groupIn(), subjectIn()],
      handler: (req) => groups.setSubject(str(req.body, 'token'), str(req.body, 'number'), str(req.body, 'subject')),
    },
    {
      method: 'post',
      path: '/whatsapp/group-description',
      tag: 'Groups',
      summary: 'Change the group description; an empty or missing description removes it',
      validators: [
        tokenIn(), groupIn(),
        body('description').optional({ values: 'null' }).isString().withMessage('must be a string').bail()
          .isLength({ max: 2048 }).withMessage('must be at most 2048 characters'),
      ],
      handler: (req) => groups.setDescription(str(req.body, 'token'), str(req.body, 'number'), req.body.description as string | undefined),
    },
    {
      method: 'post',
      path: '/whatsapp/group-settings',
      tag: 'Groups',
      summary: 'announcement (only admins send) / not_announcement, locked (only admins edit info) / unlocked',
      validators: [tokenIn(), groupIn(), single(body('setting')).isIn(GROUP_SETTINGS).withMessage(`must be one of ${GROUP_SETTINGS.join(', ')}`)],
      handler: (req) => groups.setSetting(str(req.body, 'token'), str(req.body, 'number'), req.body.setting as GroupSetting),
    },
    {
      method: 'post',
      path: '/whatsapp/group-invite-code',
      tag: 'Groups',
      summary: 'The group invite code and its chat.whatsapp.com link (the account must be an admin)',
      validators: [tokenIn(), groupIn()],
      handler: (req) => groups.inviteCode(str(req.body, 'token'), str(req.body, 'number')),
    },
    {
      method: 'post',
      path: '/whatsapp/group-revoke-invite',
      tag: 'Groups',
      summary: 'Revoke the invite code; answers the new code',
      validators: [tokenIn(), groupIn()],
      handler: (req) => groups.revokeInvite(str(req.body, 'token'), str(req.body, 'number')),
    },
    {
      method: 'post',
      path: '/whatsapp/group-join',
      tag: 'Groups',
      summary: 'Join a group with an invite code or a https://chat.whatsapp.com/<code> link',
      validators: [
        tokenIn(),
        body('code').exists({ values: 'falsy' }).withMessage('is required (an invite code or chat.whatsapp.com link)').bail()
          .custom(isInviteCodeOrLink).withMessage('must be an invite code or a https://chat.whatsapp.com/<code> link'),
      ],
      handler: (req) => groups.join(str(req.body, 'token'), str(req.body, 'code')),
    },
    {
      method: 'post',
      path: '/whatsapp/group-leave',
      tag: 'Groups',
      summary: 'Leave the group',
      validators: [tokenIn(), groupIn()],
      handler: (req) => groups.leave(str(req.body, 'token'), str(req.body, 'number')),
    },
  ])
}
