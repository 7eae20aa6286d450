// The group capabilities of one account, behind a small typed service: routes hand it plain
// values and get plain data back; Baileys and its errors stay in here.
import { isLidUser, isPnUser, jidNormalizedUser } from '@whiskeysockets/baileys'
import type { GroupMetadata, WASocket } from '@whiskeysockets/baileys'
import { groupError, participantError } from './errors.js'
import { inviteLink, parseInviteCode, toGroupJid, toParticipantJid } from './jids.js'
import type { GroupInfo, GroupParticipantInfo, GroupSetting, ParticipantAction, ParticipantResult } from './types.js'

/** Where the service gets an open socket (the SessionManager; throws 404/409 when it has none). */
export interface SocketSource {
  requireOpen(token: string): WASocket
}

/** A node of Baileys' binary protocol, as far as the add-request lookup needs it. */
interface NodeLike { tag: string; attrs: Record<string, string>; content?: unknown }

export class GroupService {
  constructor(private readonly sockets: SocketSource) {}

  async metadata(token: string, group: string): Promise<GroupInfo> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    const meta = await sock.groupMetadata(id).catch((err: unknown) => { throw groupError(err, `group-metadata ${id}`) })
    return toGroupInfo(sock, meta)
  }

  /** Every group the account is in. */
  async list(token: string): Promise<GroupInfo[]> {
    const sock = this.sockets.requireOpen(token)
    const all = await sock.groupFetchAllParticipating().catch((err: unknown) => { throw groupError(err, 'group-list') })
    const infos = await Promise.all(Object.values(all).map((m) => toGroupInfo(sock, m)))
    return infos.sort((a, b) => (a.creation ?? 0) - (b.creation ?? 0))
  }

  async create(token: string, subject: string, participants: Array<string | number>): Promise<GroupInfo> {
    const sock = this.sockets.requireOpen(token)
    const jids = unique(participants.map(toParticipantJid))
    const meta = await sock.groupCreate(subject, jids).catch((err: unknown) => { throw groupError(err, 'group-create') })
    return toGroupInfo(sock, meta)
  }

  async participants(token: string, group: string, action: ParticipantAction, participants: Array<string | number>): Promise<ParticipantResult[]> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    const jids = unique(participants.map(toParticipantJid))
    const results = await sock.groupParticipantsUpdate(id, jids, action)
      .catch((err: unknown) => { throw groupError(err, `group-participants ${action} ${id}`) })
    return Promise.all(results.map(async (r, i) => {
      const status = Number(r.status) || 0
      const content = r.content as NodeLike | undefined
      const jid = await pnOf(sock, r.jid ?? jids[i] ?? '', content?.attrs?.phone_number)
      const addRequest = childOf(content, 'add_request')
      const error = participantError(status)
      return {
        jid, status, ok: status === 200,
        ...(error ? { error } : {}),
        ...(addRequest?.attrs.code ? { inviteCode: addRequest.attrs.code } : {}),
      }
    }))
  }

  async setSubject(token: string, group: string, subject: string): Promise<{ id: string; subject: string }> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    await sock.groupUpdateSubject(id, subject).catch((err: unknown) => { throw groupError(err, `group-subject ${id}`) })
    return { id, subject }
  }

  /** An empty or missing description deletes it. */
  async setDescription(token: string, group: string, description?: string): Promise<{ id: string; description: string | null }> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    await sock.groupUpdateDescription(id, description || undefined)
      .catch((err: unknown) => { throw groupError(err, `group-description ${id}`) })
    return { id, description: description || null }
  }

  async setSetting(token: string, group: string, setting: GroupSetting): Promise<{ id: string; setting: GroupSetting }> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    await sock.groupSettingUpdate(id, setting).catch((err: unknown) => { throw groupError(err, `group-settings ${id}`) })
    return { id, setting }
  }

  async inviteCode(token: string, group: string): Promise<{ id: string; code: string; link: string }> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    const code = await sock.groupInviteCode(id).catch((err: unknown) => { throw groupError(err, `group-invite-code ${id}`) })
    if (!code) throw groupError(new Error('WhatsApp returned no invite code'), `group-invite-code ${id}`)
    return { id, code, link: inviteLink(code) }
  }

  /** Revokes the current code; the answer carries the new one. */
  async revokeInvite(token: string, group: string): Promise<{ id: string; code: string; link: string }> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    const code = await sock.groupRevokeInvite(id).catch((err: unknown) => { throw groupError(err, `group-revoke-invite ${id}`) })
    if (!code) throw groupError(new Error('WhatsApp returned no new invite code'), `group-revoke-invite ${id}`)
    return { id, code, link: inviteLink(code) }
  }

  /** Joins with a code or a chat.whatsapp.com link. */
  async join(token: string, codeOrLink: string): Promise<{ id: string }> {
    const sock = this.sockets.requireOpen(token)
    const code = parseInviteCode(codeOrLink)
    const id = await sock.groupAcceptInvite(code).catch((err: unknown) => { throw groupError(err, 'group-join') })
    if (!id) throw groupError(new Error('WhatsApp did not name the group joined'), 'group-join')
    return { id: id.includes('@') ? id : `${id}@g.us` }
  }

  async leave(token: string, group: string): Promise<{ id: string; left: true }> {
    const sock = this.sockets.requireOpen(token)
    const id = toGroupJid(group)
    await sock.groupLeave(id).catch((err: unknown) => { throw groupError(err, `group-leave ${id}`) })
    return { id, left: true }
  }
}

const unique = (xs: string[]) => [...new Set(xs)]

function childOf(node: NodeLike | undefined, tag: string): NodeLike | undefined {
  return Array.isArray(node?.content) ? (node.content as NodeLike[]).find((c) => c?.tag === tag) : undefined
}

/** The PN jid of a participant: the phone number WhatsApp sent, else Baileys' LID→PN mapping. */
async function pnOf(sock: WASocket, jid: string, phoneNumber?: string): Promise<string> {
  if (phoneNumber && isPnUser(phoneNumber)) return jidNormalizedUser(phoneNumber)
  if (jid && isLidUser(jid)) {
    const pn = await sock.signalRepository.lidMapping.getPNForLID(jid).catch(() => null)
    if (pn) return jidNormalizedUser(pn)
  }
  return jid ? jidNormalizedUser(jid) : jid
}

async function toGroupInfo(sock: WASocket, m: GroupMetadata): Promise<GroupInfo> {
  const participants: GroupParticipantInfo[] = await Promise.all(m.participants.map(async (p) => {
    const id = await pnOf(sock, p.id, p.phoneNumber)
    const lid = p.lid ?? (isLidUser(p.id) ? p.id : undefined)
    return { id, admin: p.admin ?? null, ...(lid ? { lid } : {}) }
  }))
  const owner = m.ownerPn ?? (m.owner ? await pnOf(sock, m.owner) : null)
  return {
    id: m.id,
    subject: m.subject,
    creation: m.creation ?? null,
    owner,
    restrict: !!m.restrict,
    announce: !!m.announce,
    desc: m.desc ?? null,
    size: m.size ?? participants.length,
    participants,
  }
}
