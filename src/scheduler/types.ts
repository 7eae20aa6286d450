// Scheduler data: what is persisted (ScheduledJob), what the API shows (JobView), and the store
// interface that lets the jobs move from scheduler.json to a database later.

/** A job as persisted in scheduler.json (the seed's `{id, token, type, data, time}` + extras). */
export interface ScheduledJob {
  /** Unique per token; the seed used numbers, strings are accepted too. */
  id: string | number
  token: string
  /** A send action name: sendText, sendMedia, sendButtonMessage, … */
  type: string
  /** The body of the matching send endpoint, without `token`; `number` may be an array (bulk). */
  data: Record<string, unknown>
  /** Cron expression: 5 fields, or 6 with seconds first. */
  time: string
  /** IANA time zone the cron is read in; the server's zone when absent. */
  timezone?: string
  createdAt?: string
  updatedAt?: string
}

/** What add/update receive (validated before anything is written). */
export type JobDraft = Omit<ScheduledJob, 'createdAt' | 'updatedAt'>

export interface LastRun {
  at: string
  ok: boolean
  error?: string
}

/** A job as the list route shows it. */
export interface JobView extends ScheduledJob {
  /** False when the job could not be scheduled at boot (see `error`); it stays in the file. */
  active: boolean
  error?: string
  nextRun: string | null
  lastRun: LastRun | null
}

/** Where jobs live. Implementations must make `save` all-or-nothing (a crash keeps the old list). */
export interface JobStore {
  load(): Promise<ScheduledJob[]>
  save(jobs: ScheduledJob[]): Promise<void>
}
