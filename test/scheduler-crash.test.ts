// A crash in the middle of saving scheduler.json must leave the previous complete file. A child
// process saves through the real FileJobStore and is SIGKILLed at exact points (half-way through
// writing the temp file; after writing it but before the rename) and, for good measure, at a
// random moment of a save loop. The parent checks the file always parses.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileJobStore, shapeProblem } from '../src/scheduler/file-store.js'
import type { ScheduledJob } from '../src/scheduler/types.js'

/** Version `v` of the job list: big enough that half of it is clearly not JSON. */
const jobsV = (v: number): ScheduledJob[] =>
  Array.from({ length: 200 }, (_, i) => ({
    id: i, token: 'crash', type: 'sendText', time: '0 9 * * *', data: { number: '6281234567890', text: `version ${v} job ${i} `.padEnd(200, '.') },
  }))

const versionOf = (jobs: ScheduledJob[]) => Number(/^version (\d+)/.exec(String(jobs[0].data.text))?.[1])

// ---- child side: runs when this file is started with SCHED_CRASH_MODE set ----
async function child(mode: string, file: string): Promise<void> {
  const store = new FileJobStore(file)
  await store.save(jobsV(1))
  process.stdout.write('saved 1\n')
  if (mode === 'mid-write') {
    // The next temp-file write stops half-way and the process dies: a torn write.
    const probe = await open(`${file}.probe`, 'w')
    const proto = Object.getPrototypeOf(probe) as { writeFile: (data: string | Buffer) => Promise<void> }
    await probe.close()
    proto.writeFile = async function (this: Awaited<ReturnType<typeof open>>, data: string | Buffer) {
      const buf = Buffer.from(data)
      await this.write(buf, 0, buf.length >> 1)
      await this.sync()
      process.kill(process.pid, 'SIGKILL')
    }
  } else if (mode === 'before-rename') {
    // The temp file is complete and synced; the process dies just before renaming it.
    const fsp = createRequire(import.meta.url)('node:fs/promises') as { rename: unknown }
    fsp.rename = async () => { process.kill(process.pid, 'SIGKILL') }
    syncBuiltinESMExports()
  }
  for (let v = 2; ; v++) {
    await store.save(jobsV(v))
    process.stdout.write(`saved ${v}\n`)
  }
}

const mode = process.env.SCHED_CRASH_MODE
if (mode) {
  await child(mode, process.env.SCHED_CRASH_FILE ?? '')
} else {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wagw-crash-')) })
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** Starts the child; `killAfter` = SIGKILL it once it reported that many saves. */
  const runChild = (m: string, file: string, killAfter?: number) =>
    new Promise<{ signal: NodeJS.Signals | null; saved: number }>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
        env: { ...process.env, SCHED_CRASH_MODE: m, SCHED_CRASH_FILE: file }, stdio: ['ignore', 'pipe', 'inherit'],
      })
      let saved = 0
      const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`crash child (${m}) did not end within 30 s`)) }, 30_000)
      proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        for (const m2 of chunk.matchAll(/saved (\d+)/g)) saved = Math.max(saved, Number(m2[1]))
        if (killAfter !== undefined && saved >= killAfter) proc.kill('SIGKILL')
      })
      proc.on('close', (_code, signal) => { clearTimeout(timer); resolve({ signal, saved }) })
    })

  const readJobs = (file: string): ScheduledJob[] => {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(shapeProblem(parsed), undefined)
    return parsed as ScheduledJob[]
  }

  describe('scheduler.json survives a crash during a save', () => {
    for (const m of ['mid-write', 'before-rename']) {
      test(`killed ${m}: the file is the previous complete version and the next boot cleans up`, async () => {
        const sub = mkdtempSync(join(dir, `${m}-`))
        const file = join(sub, 'scheduler.json')
        const { signal, saved } = await runChild(m, file)
        assert.equal(signal, 'SIGKILL')
        assert.equal(saved, 1, 'the second save must not have completed')
        assert.equal(versionOf(readJobs(file)), 1)
        // The crash really happened inside the write: its temp file is still there.
        const temps = readdirSync(sub).filter((n) => n.startsWith('scheduler.json.tmp-'))
        assert.equal(temps.length, 1, `expected one torn temp file, got ${readdirSync(sub).join(', ')}`)
        const torn = readFileSync(join(sub, temps[0]), 'utf8')
        if (m === 'mid-write') assert.throws(() => JSON.parse(torn), 'the temp file holds half a document')
        else assert.equal(versionOf(JSON.parse(torn) as ScheduledJob[]), 2)
        // The next boot loads version 1 and removes the dead writer's temp file.
        assert.equal(versionOf(await new FileJobStore(file).load()), 1)
        assert.deepEqual(readdirSync(sub).filter((n) => n.includes('.tmp-')), [])
      })
    }

    test('killed at a random moment of a save loop: the file always parses', async () => {
      const file = join(dir, 'loop.json')
      for (let round = 0; round < 3; round++) {
        const { signal, saved } = await runChild('loop', file, 3 + round)
        assert.equal(signal, 'SIGKILL')
        const v = versionOf(readJobs(file))
        assert.ok(v >= saved && v <= saved + 1, `file holds version ${v}, child had reported ${saved}`)
      }
    })
  })
}
