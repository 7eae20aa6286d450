// Plain data the groups service hands to HTTP (no Baileys types cross this line).

export type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote'
export type GroupSetting = 'announcement' | 'not_announcement' | 'locked' | 'unlocked'

export const PARTICIPANT_ACTIONS: readonly ParticipantAction[] = ['add', 'remove', 'promote', 'demote']
export const GROUP_SETTINGS: readonly GroupSetting[] = ['announcement', 'not_announcement', 'locked', 'unlocked']

export interface GroupParticipantInfo {
  /** PN jid (…@s.whatsapp.net) whenever WhatsApp tells us the phone number; else the LID jid. */
  id: string
  admin: 'admin' | 'superadmin' | null
  /** The participant's LID jid, when known. */
  lid?: string
}

/** The seed's group-metadata shape, plus `desc` and `size`. */
export interface GroupInfo {
  id: string
  subject: string
  creation: number | null
  owner: string | null
  restrict: boolean
  announce: boolean
  desc: string | null
  size: number
  participants: GroupParticipantInfo[]
}

export interface ParticipantResult {
  /** The participant as PN jid when known. */
  jid: string
  /** WhatsApp's per-participant status: 200 = done, otherwise the refusal code. */
  status: number
  ok: boolean
  /** Why it was refused (e.g. "already a participant"). */
  error?: string
  /** For a refused add: an invite code WhatsApp offers to send the person instead. */
  inviteCode?: string
}
