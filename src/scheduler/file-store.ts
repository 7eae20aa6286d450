// JobStore on one JSON file (the seed's scheduler.json), written atomically. A malformed file is
// kept aside as .corrupt-<time> and the scheduler starts empty, saying so loudly in the log.
import { mkdir, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from '../logger.js'
import { removeStaleTemps, writeFileAtomic } from '../util/atomic-write.js'
import { isPlainObject } from '../util/plain-object.js'
import type { JobStore, ScheduledJob } from './types.js'

export class FileJobStore implements JobStore {
  constructor(readonly path: string, private readonly logger?: Logger) {}

  async load(): Promise<ScheduledJob[]> {
    await removeStaleTemps(this.path) // litter of a writer that died mid-write
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
    // Jobs hold message texts and recipients: readable by the gateway's user only.
    await writeFileAtomic(this.path, JSON.stringify(jobs, null, 2) + '\n', 0o600)
  }
}

/** Why a parsed file is not a job list, or undefined when it is one. */
export function shapeProblem(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'the top level is not an array'
  for (const [i, j] of v.entries()) {
    if (!isPlainObject(j)) return `entry ${i} is not an object`
    if (typeof j.id !== 'string' && typeof j.id !== 'number') return `entry ${i} has no id`
    if (typeof j.token !== 'string') return `entry ${i} has no token`
    if (typeof j.type !== 'string') return `entry ${i} has no type`
    if (typeof j.time !== 'string') return `entry ${i} has no time`
    if (!isPlainObject(j.data)) return `entry ${i} has no data object`
  }
  return undefined
}
