// The cron runner: jobs from the JobStore, one node-cron task each, every change written (atomically)
// before it takes effect. Each run goes through the one send path and is reported on the bus as
// `scheduler-run`, so a job whose instance is offline at fire time is visible, never silently lost.
import { createTask, type ScheduledTask } from 'node-cron'
import { AppError, badRequest, conflict, notFound, tooMany } from '../errors.js'
import type { EventBus } from '../events/bus.js'
import type { Logger } from '../logger.js'
import type { SendAction, SendExecutor } from '../messaging/types.js'
import type { JobDraft, JobStore, JobView, LastRun, ScheduledJob } from './types.js'
import { checkDraft, runActionChains } from './validate.js'

export interface SchedulerDeps {
  store: JobStore
  /** The send actions a job may name (SEND_ACTIONS); a function so it can be wired late. */
  actions: () => readonly SendAction[]
  executor: SendExecutor
  bus: EventBus
  logger: Logger
  /** SCHEDULER_MIN_INTERVAL_S and SCHEDULER_MAX_JOBS; no limits when absent. */
  limits?: { minIntervalS: number; maxJobs: number }
}

interface Entry {
  job: ScheduledJob
  task?: ScheduledTask
  /** Why the job is not scheduled (it failed validation at boot). */
  error?: string
  lastRun?: LastRun
}

const keyOf = (token: string, id: string | number) => `${token}\u0000${String(id)}`

export class Scheduler {
  private readonly entries = new Map<string, Entry>()
  /** Mutations and saves run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve()
  private running = false
  private loaded = false

  constructor(private readonly deps: SchedulerDeps) {}

  /** Reads the store and checks every job; jobs that no longer validate stay, marked inactive. */
  async load(): Promise<void> {
    const jobs = await this.deps.store.load()
    this.entries.clear()
    for (const job of jobs) {
      const key = keyOf(job.token, job.id)
      if (this.entries.has(key)) {
        this.deps.logger.error({ token: job.token, id: job.id }, 'scheduler file has a duplicate id; keeping the first')
        continue
      }
      const problems = await checkDraft(job, this.deps.actions())
      const entry: Entry = { job, ...(problems.length ? { error: problems.join('; ') } : {}) }
      if (entry.error) this.deps.logger.error({ token: job.token, id: job.id, problems }, 'scheduled job is invalid and will not run')
      this.entries.set(key, entry)
    }
    this.loaded = true
    this.deps.logger.info({ jobs: jobs.length }, 'scheduler jobs loaded')
  }

  /** Starts the cron tasks (loading first if needed). */
  async start(): Promise<void> {
    if (!this.loaded) await this.load()
    this.running = true
    for (const entry of this.entries.values()) this.arm(entry)
  }

  /** Stops every cron task and waits for pending writes; nothing fires afterwards. */
  async close(): Promise<void> {
    this.running = false
    for (const entry of this.entries.values()) this.disarm(entry)
    await this.queue.catch(() => undefined)
  }

  list(token: string): JobView[] {
    return [...this.entries.values()].filter((e) => e.job.token === token).map(view)
  }

  /** Adds a job; a duplicate id for the token is a 409. Answers the token's jobs (the seed's shape). */
  add(draft: JobDraft): Promise<JobView[]> {
    return this.mutate(async () => {
      await this.check(draft)
      if (this.entries.has(keyOf(draft.token, draft.id))) {
        throw conflict(`scheduler id ${JSON.stringify(draft.id)} already exists for "${draft.token}"; use update-scheduler to replace it`)
      }
      const maxJobs = this.deps.limits?.maxJobs ?? Infinity
      if (this.entries.size >= maxJobs) throw tooMany(`the scheduler already holds SCHEDULER_MAX_JOBS (${maxJobs}) jobs; delete some first`)
      const now = new Date().toISOString()
      const job: ScheduledJob = { ...clean(draft), createdAt: now, updatedAt: now }
      await this.persist([...this.jobs(), job])
      const entry: Entry = { job }
      this.entries.set(keyOf(job.token, job.id), entry)
      if (this.running) this.arm(entry)
      return this.list(draft.token)
    })
  }

  /** Replaces the job with the same id (404 when there is none). */
  update(draft: JobDraft): Promise<JobView[]> {
    return this.mutate(async () => {
      await this.check(draft)
      const key = keyOf(draft.token, draft.id)
      const old = this.entries.get(key)
      if (!old) throw notFound(`no scheduler id ${JSON.stringify(draft.id)} for "${draft.token}"; add it with add-scheduler`)
      const job: ScheduledJob = { ...clean(draft), id: old.job.id, createdAt: old.job.createdAt, updatedAt: new Date().toISOString() }
      await this.persist(this.jobs().map((j) => (keyOf(j.token, j.id) === key ? job : j)))
      this.disarm(old)
      const entry: Entry = { job }
      this.entries.set(key, entry)
      if (this.running) this.arm(entry)
      return this.list(draft.token)
    })
  }

  /** Stops the job and deletes it from the store. */
  remove(token: string, id: string | number): Promise<ScheduledJob> {
    return this.mutate(async () => {
      const key = keyOf(token, id)
      const entry = this.entries.get(key)
      if (!entry) throw notFound(`no scheduler id ${JSON.stringify(id)} for "${token}"`)
      await this.persist(this.jobs().filter((j) => keyOf(j.token, j.id) !== key))
      this.disarm(entry)
      this.entries.delete(key)
      return entry.job
    })
  }

  /** Runs the job once, now; resolves with the send result or throws the send's error. */
  async runNow(token: string, id: string | number): Promise<unknown> {
    const entry = this.entries.get(keyOf(token, id))
    if (!entry) throw notFound(`no scheduler id ${JSON.stringify(id)} for "${token}"`)
    if (entry.error) throw badRequest(`scheduler id ${JSON.stringify(id)} is invalid: ${entry.error}`)
    return this.fire(entry, true)
  }

  private jobs(): ScheduledJob[] {
    return [...this.entries.values()].map((e) => e.job)
  }

  private async check(draft: JobDraft): Promise<void> {
    const problems = await checkDraft(draft, this.deps.actions(), this.deps.limits?.minIntervalS)
    if (problems.length) throw badRequest(problems.join('; '))
  }

  private async persist(jobs: ScheduledJob[]): Promise<void> {
    try {
      await this.deps.store.save(jobs)
    } catch (err) {
      this.deps.logger.error({ err }, 'could not save scheduler jobs')
      throw new AppError(500, `could not save the scheduler jobs: ${(err as Error).message}`)
    }
  }

  private mutate<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private arm(entry: Entry): void {
    if (entry.error || entry.task) return
    const { job } = entry
    entry.task = createTask(job.time, () => this.fire(entry, false).catch(() => undefined), {
      name: `scheduler:${job.token}:${String(job.id)}`,
      noOverlap: true,
      ...(job.timezone ? { timezone: job.timezone } : {}),
      logger: cronLogger(this.deps.logger),
    })
    void Promise.resolve(entry.task.start()).catch((err: unknown) => this.deps.logger.error({ err, id: job.id }, 'cron task did not start'))
  }

  private disarm(entry: Entry): void {
    const task = entry.task
    entry.task = undefined
    if (task) void Promise.resolve(task.destroy()).catch(() => undefined)
  }

  /** One run: re-validate (sanitizers shape the body), send, report on the bus. */
  private async fire(entry: Entry, manual: boolean): Promise<unknown> {
    const { token, id, type } = entry.job
    const at = new Date().toISOString()
    try {
      const action = this.deps.actions().find((a) => a.name === type)
      if (!action) throw badRequest(`type "${type}" is no longer a send action`)
      const chained = await runActionChains(action, token, entry.job.data)
      if (!chained.ok) throw badRequest(chained.problems.join('; '))
      const result = await this.deps.executor.execute(type, chained.body)
      entry.lastRun = { at, ok: true }
      this.deps.logger.debug({ token, id, type, manual }, 'scheduled job sent')
      this.deps.bus.emit('scheduler-run', { token, id: String(id), ok: true, result })
      return result
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      entry.lastRun = { at, ok: false, error }
      this.deps.logger.warn({ token, id, type, error, manual }, 'scheduled job did not send')
      this.deps.bus.emit('scheduler-run', { token, id: String(id), ok: false, error })
      throw err
    }
  }
}

/** Only the persisted fields of a draft (drops anything extra a client sent). */
function clean(d: JobDraft): JobDraft {
  return { id: d.id, token: d.token, type: d.type, data: d.data, time: d.time.trim(), ...(d.timezone ? { timezone: d.timezone } : {}) }
}

function view(e: Entry): JobView {
  let nextRun: string | null = null
  try {
    nextRun = e.task?.getNextRun()?.toISOString() ?? null
  } catch {
    nextRun = null
  }
  return { ...e.job, active: !e.error, ...(e.error ? { error: e.error } : {}), nextRun, lastRun: e.lastRun ?? null }
}

function cronLogger(logger: Logger) {
  return {
    info: (m: string) => logger.debug({ cron: true }, m),
    warn: (m: string) => logger.warn({ cron: true }, m),
    error: (m: string | Error) => logger.error({ cron: true }, String(m)),
    debug: (m: string | Error) => logger.debug({ cron: true }, String(m)),
  }
}
