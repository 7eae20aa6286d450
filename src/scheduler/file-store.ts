// JobStore on one JSON file (the seed's scheduler.json), written atomically. A malformed file is
// kept aside as .corrupt-<time> and the scheduler starts empty, saying so loudly in the log.
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Logger } from '../logger.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import type { JobStore, ScheduledJob } from './types.js'

export class FileJobStore implements JobStore {
  constructor(readonly path: string, private readonly logger?: Logger) {}

  async load(): Promise<ScheduledJob[]> {
    await this.removeStaleTemps()
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    if (text.trim() === '') return []
    let problem: string | undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
      problem = shapeProblem(parsed)
    } catch {
      problem = 'not valid JSON' // the parser's message would quote the file (message texts) into the log
    }
    if (problem === undefined) return parsed as ScheduledJob[]
    const aside = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    await rename(this.path, aside)
    this.logger?.error({ file: this.path, keptAs: aside, problem }, 'scheduler file is malformed: kept it aside and started with no jobs')
    return []
  }

  async save(jobs: ScheduledJob[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true })
    await writeFileAtomic(this.path, JSON.stringify(jobs, null, 2) + '\n')
  }

  /** Temp files of writers that died mid-write (their pid is gone) are litter: remove them. */
  private async removeStaleTemps(): Promise<void> {
    const prefix = `${basename(this.path)}.tmp-`
    const names = await readdir(dirname(this.path)).catch(() => [] as string[])
    for (const name of names) {
      if (!name.startsWith(prefix)) continue
      const pid = Number(name.slice(prefix.length).split('-')[0])
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue
      await rm(join(dirname(this.path), name), { force: true })
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Why a parsed file is not a job list, or undefined when it is one. */
export function shapeProblem(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'the top level is not an array'
  for (const [i, job] of v.entries()) {
    if (typeof job !== 'object' || job === null || Array.isArray(job)) return `entry ${i} is not an object`
    const j = job as Record<string, unknown>
    if (typeof j.id !== 'string' && typeof j.id !== 'number') return `entry ${i} has no id`
    if (typeof j.token !== 'string') return `entry ${i} has no token`
    if (typeof j.type !== 'string') return `entry ${i} has no type`
    if (typeof j.time !== 'string') return `entry ${i} has no time`
    if (typeof j.data !== 'object' || j.data === null || Array.isArray(j.data)) return `entry ${i} has no data object`
  }
  return undefined
}
