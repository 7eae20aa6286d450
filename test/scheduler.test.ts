// Scheduler unit tests: the file store, job validation through real express-validator chains,
// every change persisted before it takes effect, and cron runs reported on the bus.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { body } from 'express-validator'
import { getTasks } from 'node-cron'
import { AppError } from '../src/errors.js'
import { EventBus, type GatewayEvents } from '../src/events/bus.js'
import { tokenIn } from '../src/http/validators.js'
import { createLogger } from '../src/logger.js'
import type { SendAction, SendExecutor } from '../src/messaging/types.js'
import { FileJobStore } from '../src/scheduler/file-store.js'
import { Scheduler } from '../src/scheduler/scheduler.js'
import type { JobDraft, ScheduledJob } from '../src/scheduler/types.js'
import { cronProblem, isTimeZone } from '../src/scheduler/validate.js'

const logger = createLogger('silent')

// Stand-ins for two send actions, built from real chains the way the messaging module builds them.
const numberRule = body('number').exists({ values: 'falsy' }).withMessage('is required')
const ACTIONS: SendAction[] = [
  {
    name: 'sendText', path: '/whatsapp/send-text', summary: 'text',
    validators: [tokenIn(), numberRule, body('text').isString().withMessage('is required').bail().trim().notEmpty().withMessage('must not be empty')],
  },
  {
    name: 'sendMedia', path: '/whatsapp/send-media', summary: 'media',
    validators: [tokenIn(), numberRule, body('url').isURL().withMessage('must be a URL')],
  },
]

class RecordingExecutor implements SendExecutor {
  calls: Array<{ action: string; body: Record<string, unknown> }> = []
  fail?: Error
  async execute(action: string, body: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ action, body })
    if (this.fail) throw this.fail
    return { key: { id: `MSG${this.calls.length}` } }
  }
}

let root: string
before(() => { root = mkdtempSync(join(tmpdir(), 'wagw-sched-')) })
after(() => rmSync(root, { recursive: true, force: true }))

let seq = 0
function setup(initial?: string, limits?: { minIntervalS: number; maxJobs: number }) {
  const file = join(root, `scheduler-${++seq}.json`)
  if (initial !== undefined) writeFileSync(file, initial)
  const bus = new EventBus()
  const executor = new RecordingExecutor()
  const scheduler = new Scheduler({ store: new FileJobStore(file, logger), actions: () => ACTIONS, executor, bus, logger, limits })
  return { file, bus, executor, scheduler }
}

const job = (over: Partial<JobDraft> = {}): JobDraft => ({
  id: 1, token: 'tok', type: 'sendText', data: { number: '6281234567890', text: 'hello' }, time: '0 9 * * *', ...over,
})

async function rejectsWith(p: Promise<unknown>, status: number, pattern: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`)
    assert.equal(err.status, status, err.message)
    assert.match(err.message, pattern)
    return true
  })
}

function nextRun(bus: EventBus, timeoutMs = 5000): Promise<GatewayEvents['scheduler-run']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no scheduler-run event within ${timeoutMs} ms`)) }, timeoutMs)
    const off = bus.on('scheduler-run', (p) => { clearTimeout(timer); off(); resolve(p) })
  })
}

describe('validation helpers', () => {
  test('cron: 5 and 6 fields pass, others fail with the reason', () => {
    assert.equal(cronProblem('0 9 * * 1-5'), undefined)
    assert.equal(cronProblem('*/5 * * * * *'), undefined)
    assert.match(cronProblem('* * *') ?? '', /3 fields/)
    assert.match(cronProblem('61 * * * *') ?? '', /not a valid cron/)
    assert.match(cronProblem('a b c d e') ?? '', /not a valid cron/)
  })
  test('time zones: IANA names only', () => {
    assert.ok(isTimeZone('Asia/Jakarta'))
    assert.ok(isTimeZone('UTC'))
    assert.ok(!isTimeZone('Mars/Olympus'))
  })
})

describe('FileJobStore', () => {
  test('missing or empty file → no jobs', async () => {
    assert.deepEqual(await new FileJobStore(join(root, 'none.json')).load(), [])
    const empty = join(root, 'empty.json')
    writeFileSync(empty, '')
    assert.deepEqual(await new FileJobStore(empty).load(), [])
  })

  for (const [name, content] of [['not JSON', '[{"id": 1,'], ['not an array', '{"id":1}'], ['entry without token', '[{"id":1,"type":"sendText","data":{},"time":"* * * * *"}]']]) {
    test(`malformed file (${name}) is kept aside as .corrupt-<time> and loading starts empty`, async () => {
      const dir = mkdtempSync(join(root, 'corrupt-'))
      const file = join(dir, 'scheduler.json')
      writeFileSync(file, content)
      assert.deepEqual(await new FileJobStore(file, logger).load(), [])
      const names = readdirSync(dir)
      const aside = names.find((n) => n.startsWith('scheduler.json.corrupt-'))
      assert.ok(aside, `expected a .corrupt- file, got ${names.join(', ')}`)
      assert.equal(readFileSync(join(dir, aside), 'utf8'), content)
      assert.ok(!existsSync(file))
    })
  }

  test('temp files left by a dead writer are removed at load; the file itself is kept', async () => {
    const dir = mkdtempSync(join(root, 'stale-'))
    const file = join(dir, 'scheduler.json')
    writeFileSync(file, '[]')
    // pid 2^22+1 is above Linux's pid_max default, so no process has it
    writeFileSync(`${file}.tmp-4194305-abcd1234`, '[{"half')
    assert.deepEqual(await new FileJobStore(file).load(), [])
    assert.deepEqual(readdirSync(dir), ['scheduler.json'])
  })
})

describe('Scheduler', () => {
  test('add persists the job and answers the token\'s jobs', async () => {
    const { file, scheduler } = setup('[]')
    await scheduler.load()
    const list = await scheduler.add(job({ timezone: 'Asia/Jakarta' }))
    assert.equal(list.length, 1)
    assert.equal(list[0].id, 1)
    assert.equal(list[0].active, true)
    const saved = JSON.parse(readFileSync(file, 'utf8')) as ScheduledJob[]
    assert.deepEqual(saved.map((j) => [j.id, j.token, j.type, j.time, j.timezone]), [[1, 'tok', 'sendText', '0 9 * * *', 'Asia/Jakarta']])
    assert.deepEqual(saved[0].data, { number: '6281234567890', text: 'hello' })
    assert.deepEqual(scheduler.list('other'), [])
  })

  test('refusals leave the file byte for byte unchanged', async () => {
    const { file, scheduler } = setup('[]')
    await scheduler.load()
    await scheduler.add(job())
    const before = readFileSync(file)
    await rejectsWith(scheduler.add(job()), 409, /already exists/)
    await rejectsWith(scheduler.add(job({ id: "1" })), 409, /already exists/)
    await rejectsWith(scheduler.add(job({ id: 2, time: '* * 99 * *' })), 400, /^time: .*not a valid cron/)
    await rejectsWith(scheduler.add(job({ id: 2, time: 'every day' })), 400, /^time: /)
    await rejectsWith(scheduler.add(job({ id: 2, type: 'sendFax' })), 400, /type: "sendFax" is not a send action; use one of sendText, sendMedia/)
    await rejectsWith(scheduler.add(job({ id: 2, data: { number: '6281234567890' } })), 400, /data\.text: is required/)
    await rejectsWith(scheduler.add(job({ id: 2, type: 'sendMedia', data: { number: '1', url: 'nope' } })), 400, /data\.url: must be a URL/)
    await rejectsWith(scheduler.add(job({ id: 2, timezone: 'Mars/Olympus' })), 400, /timezone: "Mars\/Olympus" is not an IANA/)
    await rejectsWith(scheduler.update(job({ id: 9 })), 404, /no scheduler id 9/)
    await rejectsWith(scheduler.remove('tok', 9), 404, /no scheduler id 9/)
    assert.deepEqual(readFileSync(file), before)
    assert.equal(scheduler.list('tok').length, 1)
  })

  test('update replaces the job with the same id; remove deletes it from the file', async () => {
    const { file, scheduler } = setup()
    await scheduler.load()
    await scheduler.add(job())
    await scheduler.add(job({ id: 'second' }))
    const list = await scheduler.update(job({ data: { number: ['6281234567890', '6281234567891'], text: 'changed' }, time: '30 8 * * *' }))
    assert.deepEqual(list.map((j) => j.id), [1, 'second'], 'update keeps the order')
    let saved = JSON.parse(readFileSync(file, 'utf8')) as ScheduledJob[]
    assert.equal(saved[0].time, '30 8 * * *')
    assert.deepEqual(saved[0].data, { number: ['6281234567890', '6281234567891'], text: 'changed' })
    await scheduler.remove('tok', '1')
    saved = JSON.parse(readFileSync(file, 'utf8')) as ScheduledJob[]
    assert.deepEqual(saved.map((j) => j.id), ['second'])
  })

  test('a seconds cron fires through the executor with the sanitized body and is reported on the bus', async () => {
    const { bus, executor, scheduler } = setup()
    await scheduler.start()
    const run = nextRun(bus)
    await scheduler.add(job({ time: '* * * * * *', data: { number: ['111111', '222222'], text: '  padded  ' } }))
    const event = await run
    await scheduler.close()
    assert.deepEqual({ ...event, result: undefined }, { token: 'tok', id: '1', ok: true, result: undefined })
    assert.deepEqual(event.result, { key: { id: 'MSG1' } })
    assert.equal(executor.calls[0].action, 'sendText')
    assert.deepEqual(executor.calls[0].body, { number: ['111111', '222222'], text: 'padded', token: 'tok' })
    // after close no cron task is left: nothing can fire and the process can exit
    const left = [...getTasks().values()].filter((t) => t.name?.startsWith('scheduler:tok:'))
    assert.deepEqual(left.map((t) => t.name), [])
  })

  test('a failing send (instance offline) is reported with its error, and run-now rethrows it', async () => {
    const { bus, executor, scheduler } = setup()
    await scheduler.load()
    await scheduler.add(job())
    executor.fail = new AppError(409, 'instance "tok" is not connected (state: closed)')
    const run = nextRun(bus)
    await rejectsWith(scheduler.runNow('tok', 1), 409, /not connected/)
    assert.deepEqual(await run, { token: 'tok', id: '1', ok: false, error: 'instance "tok" is not connected (state: closed)' })
    const [view] = scheduler.list('tok')
    assert.equal(view.lastRun?.ok, false)
    assert.match(view.lastRun?.error ?? '', /not connected/)
  })

  test('a job that no longer validates at boot stays in the file, marked inactive with the reason', async () => {
    const bad = { id: 7, token: 'tok', type: 'sendGone', data: { number: '1' }, time: '* * * * *' }
    const { file, scheduler } = setup(JSON.stringify([bad]))
    await scheduler.start()
    const [view] = scheduler.list('tok')
    assert.equal(view.active, false)
    assert.match(view.error ?? '', /sendGone/)
    await rejectsWith(scheduler.runNow('tok', 7), 400, /invalid/)
    await scheduler.add(job())
    const saved = JSON.parse(readFileSync(file, 'utf8')) as ScheduledJob[]
    assert.deepEqual(saved.map((j) => j.id), [7, 1])
    await scheduler.close()
  })

  test('concurrent adds of the same id: exactly one wins', async () => {
    const { file, scheduler } = setup()
    await scheduler.load()
    const results = await Promise.allSettled([scheduler.add(job()), scheduler.add(job()), scheduler.add(job({ id: 2 }))])
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled'])
    assert.deepEqual((JSON.parse(readFileSync(file, 'utf8')) as ScheduledJob[]).map((j) => j.id), [1, 2])
  })
})

describe('limits', () => {
  test('a cron firing more often than SCHEDULER_MIN_INTERVAL_S is refused with 400 at add and update', async () => {
    const { scheduler } = setup(undefined, { minIntervalS: 60, maxJobs: 100 })
    for (const time of ['* * * * * *', '*/30 * * * * *', '0,10 * * * * *']) {
      await rejectsWith(scheduler.add(job({ id: 1, time })), 400, /^time: .*fires every \d+ s; jobs may run at most every 60 s \(SCHEDULER_MIN_INTERVAL_S\)/)
    }
    for (const time of ['* * * * *', '0 9 * * *', '*/5 * * * *', '30 * * * * *', '0 0 1 1 *']) {
      await scheduler.add(job({ id: `ok-${time.replace(/\W+/g, '-')}`, time }))
    }
    await scheduler.add(job({ id: 2, time: '0 9 * * *' }))
    await rejectsWith(scheduler.update(job({ id: 2, time: '*/10 * * * * *' })), 400, /SCHEDULER_MIN_INTERVAL_S/)
    await scheduler.close()
  })

  test('SCHEDULER_MAX_JOBS caps the number of jobs with a 429', async () => {
    const { scheduler } = setup(undefined, { minIntervalS: 60, maxJobs: 2 })
    await scheduler.add(job({ id: 1 }))
    await scheduler.add(job({ id: 2 }))
    await rejectsWith(scheduler.add(job({ id: 3 })), 429, /SCHEDULER_MAX_JOBS \(2\)/)
    await scheduler.remove('tok', 1)
    await scheduler.add(job({ id: 3 }))
    await scheduler.close()
  })
})
