// Checks a job before it is written: the cron, the time zone, the type, and `data` through the
// SAME validator chains as the matching send endpoint, so a job that cannot run is refused now.
import { validationResult } from 'express-validator'
import { parse, validateDetailed } from 'node-cron'
import { bodyShapeProblem, wildcardFields } from '../http/body-shape.js'
import { fieldMessages } from '../http/validate.js'
import type { SendAction } from '../messaging/types.js'
import type { JobDraft } from './types.js'

export const JOB_ID_RULE = 'an integer or a string of 1-64 letters, digits, ".", "-" or "_"'

export function isJobId(v: unknown): v is string | number {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0
  return typeof v === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(v)
}

/** Why a cron expression is unusable, or undefined when node-cron accepts it. */
export function cronProblem(time: string): string | undefined {
  const fields = time.trim().split(/\s+/)
  if (!time.trim().startsWith('@') && fields.length !== 5 && fields.length !== 6) {
    return `"${time}" has ${fields.length} fields; expected 5 (minute hour day month weekday) or 6 (seconds first)`
  }
  const r = validateDetailed(time)
  if (r.valid) return undefined
  return `"${time}" is not a valid cron expression: ${r.errors.map((e) => e.message).join('; ')}`
}

const DAY_S = 86_400

/**
 * The shortest time between two runs of a valid cron, in seconds, looking at the time of day (a
 * cron that may fire twice within a day is judged by its closest two runs; across midnight too).
 */
export function cronMinIntervalS(time: string): number {
  const f = parse(time.trim())
  const times: number[] = []
  for (const h of f.hour) for (const m of f.minute) for (const s of f.second) times.push(h * 3600 + m * 60 + s)
  times.sort((a, b) => a - b)
  let min = DAY_S - times[times.length - 1] + times[0]
  for (let i = 1; i < times.length; i++) min = Math.min(min, times[i] - times[i - 1])
  return min
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** A plain object express-validator can run chains on (it reads every location of a request). */
interface FakeRequest { body: Record<string, unknown>; query: object; params: object; headers: object; cookies: object }

/**
 * Runs an action's chains on `{...data, token}`. Returns the sanitized body the send path expects,
 * or the problems as `data.<field>: message` strings.
 */
export async function runActionChains(action: SendAction, token: string, data: Record<string, unknown>):
  Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; problems: string[] }> {
  // The same shape check as the routes, before any quadratic wildcard chain runs on the job's data.
  const shape = bodyShapeProblem(data, wildcardFields(action.validators), (field) => `data.${field}`)
  if (shape) return { ok: false, problems: [shape.startsWith('body:') ? `data${shape.slice(4)}` : shape] }
  const req: FakeRequest = { body: structuredClone({ ...data, token }), query: {}, params: {}, headers: {}, cookies: {} }
  for (const chain of action.validators) await chain.run(req)
  const result = validationResult(req)
  if (result.isEmpty()) return { ok: true, body: req.body }
  return { ok: false, problems: fieldMessages(result.array(), (field) => (field === 'token' ? 'token' : `data.${field}`)) }
}

/** Every problem with a draft (empty when it can be scheduled). */
export async function checkDraft(draft: JobDraft, actions: readonly SendAction[], minIntervalS = 0): Promise<string[]> {
  const problems: string[] = []
  if (!isJobId(draft.id)) problems.push(`id: must be ${JOB_ID_RULE}`)
  const cron = cronProblem(draft.time)
  if (cron) problems.push(`time: ${cron}`)
  else if (minIntervalS > 0 && cronMinIntervalS(draft.time) < minIntervalS) {
    problems.push(`time: "${draft.time}" fires every ${cronMinIntervalS(draft.time)} s; jobs may run at most every ${minIntervalS} s (SCHEDULER_MIN_INTERVAL_S)`)
  }
  if (draft.timezone !== undefined && !isTimeZone(draft.timezone)) {
    problems.push(`timezone: "${draft.timezone}" is not an IANA time zone (e.g. Asia/Jakarta, Europe/Paris, UTC)`)
  }
  const action = actions.find((a) => a.name === draft.type)
  if (!action) {
    problems.push(`type: "${draft.type}" is not a send action; use one of ${actions.map((a) => a.name).join(', ')}`)
    return problems
  }
  const chained = await runActionChains(action, draft.token, draft.data)
  if (!chained.ok) problems.push(...chained.problems)
  return problems
}
