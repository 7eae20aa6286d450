// WhatsApp refusals (Boom errors out of Baileys' group iqs) → clear AppErrors for the envelope.
import { AppError } from '../errors.js'

interface BoomLike { isBoom?: boolean; message?: string; data?: unknown; output?: { statusCode?: number } }

/** What a WhatsApp iq error code means for a group request, as status + a reason a user can act on. */
const IQ_CODES: Record<number, [number, string]> = {
  400: [400, 'WhatsApp rejected the request as malformed'],
  401: [403, 'the account is not allowed to do this in the group (not an admin?)'],
  403: [403, 'the account is not allowed to do this (not an admin, or not a participant)'],
  404: [404, 'group not found, or the account is not a participant'],
  406: [400, 'WhatsApp refused the value (too long or not acceptable)'],
  409: [409, 'conflict: the account is already in this state'],
  410: [410, 'the invite code was revoked or has expired'],
  429: [429, 'WhatsApp is rate limiting this account; try again later'],
  500: [502, 'WhatsApp failed to answer the group request'],
}

/** Maps a Baileys error to an AppError (passing AppErrors through); `what` names the request. */
export function groupError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err
  const e = err as BoomLike
  const text = e?.message || String(err)
  const iqCode = typeof e?.data === 'number' ? e.data : undefined
  if (iqCode !== undefined) {
    const [status, reason] = IQ_CODES[iqCode] ?? [iqCode >= 400 && iqCode < 500 ? iqCode : 502, 'WhatsApp refused the request']
    return new AppError(status, `${what}: ${reason} (WhatsApp ${iqCode} ${text})`)
  }
  const statusCode = e?.output?.statusCode
  if (statusCode === 408) return new AppError(504, `${what}: WhatsApp did not answer in time`)
  if (statusCode === 428) return new AppError(409, `${what}: the connection closed; wait for the instance to reconnect`)
  if (e?.isBoom && statusCode && statusCode >= 400 && statusCode < 500) return new AppError(statusCode, `${what}: ${text}`)
  return new AppError(502, `${what} failed: ${text}`)
}

/** Per-participant status codes WhatsApp returns for add/remove/promote/demote. */
export function participantError(status: number): string | undefined {
  switch (status) {
    case 200: return undefined
    case 403: return 'not allowed (the person\'s privacy settings require an invite)'
    case 404: return 'not found (not on WhatsApp, or not a participant)'
    case 406: return 'not acceptable'
    case 408: return 'the person left the group recently and cannot be re-added yet'
    case 409: return 'already in that state (already a participant / admin)'
    case 417: return 'cannot add to a community announcement group'
    case 419: return 'the group is full'
    default: return `refused (${status})`
  }
}
