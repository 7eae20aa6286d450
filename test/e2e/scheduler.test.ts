// Scheduler end to end: jobs added over HTTP fire through the real send path to a simulated
// contact, survive a gateway restart (reloaded from scheduler.json), report runs over Socket.IO,
// and refused jobs leave scheduler.json byte for byte unchanged.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { getTasks } from 'node-cron'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'sched-e2e'
const WAIT = 15_000

interface Run { token: string; id: string; ok: boolean; result?: unknown; error?: string }
interface Job {
  id: string | number; token: string; type: string; data: Record<string, unknown>; time: string; timezone?: string
  active: boolean; nextRun: string | null; lastRun: { at: string; ok: boolean; error?: string } | null
}

describe('scheduler against the simulator', () => {
  let h: Harness
  let io: Socket
  let x: SimContact
  let y: SimContact

  const call = async <T>(path: string, body: Record<string, unknown>, expect = 200) => {
    const r = await h.api<T>('POST', `/api/whatsapp/scheduler${path}`, { token: TOKEN, ...body })
    assert.equal(r.status, expect, `scheduler${path} → ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }
  const fileJobs = () => JSON.parse(readFileSync(h.dirs.scheduler, 'utf8')) as Job[]
  const cronTasks = () => [...getTasks().values()].filter((t) => t.name?.startsWith(`scheduler:${TOKEN}:`)).map((t) => t.name)

  before(async () => {
    h = await startHarness()
    ;[x, y] = await Promise.all([h.sim.createContact({ name: 'Xena' }), h.sim.createContact({ name: 'Yuri' })])
    await h.pair(TOKEN)
    io = await h.socket({ tokens: [TOKEN] })
  })
  after(async () => { await h?.close() })

  test('a seconds cron job sends to the contact and reports scheduler-run over Socket.IO', async () => {
    const ran = waitForEvent<Run>(io, 'scheduler-run', (p) => p.id === 'tick' && p.ok, WAIT)
    const body = await call<Job[]>('/add-scheduler', { id: 'tick', type: 'sendText', data: { number: x.number, text: 'scheduled tick' }, time: '* * * * * *' })
    assert.deepEqual(body.data?.map((j) => [j.id, j.type, j.time, j.active]), [['tick', 'sendText', '* * * * * *', true]])
    const msg = await x.waitForMessage((m) => m.text === 'scheduled tick', WAIT)
    const run = await ran
    assert.equal(run.token, TOKEN)
    assert.equal((run.result as { key?: { id?: string } }).key?.id, msg.id, 'the run result names the message the contact got')
    assert.deepEqual(fileJobs().map((j) => [j.id, j.token, j.type, j.time, j.data]), [['tick', TOKEN, 'sendText', '* * * * * *', { number: x.number, text: 'scheduled tick' }]])
    const [listed] = (await call<Job[]>('', {})).data ?? []
    assert.equal(listed.id, 'tick')
    assert.ok(listed.nextRun && Date.parse(listed.nextRun) > Date.now() - 1000, `nextRun ${listed.nextRun}`)
  })

  test('after a restart the job is reloaded from scheduler.json and sends again', async () => {
    await h.restartGateway()
    const restartedAt = Date.now()
    io = await h.socket({ tokens: [TOKEN] })
    assert.deepEqual((await call<Job[]>('', {})).data?.map((j) => j.id), ['tick'])
    // The instance reconnects on boot (autostart); the reloaded job then sends again.
    const ran = waitForEvent<Run>(io, 'scheduler-run', (p) => p.id === 'tick' && p.ok, WAIT)
    await x.waitForMessage((m) => m.text === 'scheduled tick' && m.receivedAt >= restartedAt, WAIT)
    await ran
  })

  test('a job whose instance is not connected at fire time is reported, not lost', async () => {
    const ghost = await h.socket({ tokens: ['ghost-instance'] })
    const failed = waitForEvent<Run>(ghost, 'scheduler-run', (p) => p.id === 'g1' && !p.ok, WAIT)
    const r = await h.api('POST', '/api/whatsapp/scheduler/add-scheduler', {
      token: 'ghost-instance', id: 'g1', type: 'sendText', data: { number: x.number, text: 'never sent' }, time: '* * * * * *',
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const run = await failed
    assert.match(run.error ?? '', /instance "ghost-instance" (is not connected|not found)/)
    const listed = await h.api<Job[]>('POST', '/api/whatsapp/scheduler', { token: 'ghost-instance' })
    assert.equal(listed.body.data?.[0].lastRun?.ok, false)
    assert.match(listed.body.data?.[0].lastRun?.error ?? '', /ghost-instance/)
    assert.equal((await h.api('POST', '/api/whatsapp/scheduler/stop-scheduler', { token: 'ghost-instance', id: 'g1' })).status, 200)
    ghost.close()
  })

  test('stop-scheduler stops the job and deletes it from scheduler.json', async () => {
    const body = await call<{ status: boolean; message: string }>('/stop-scheduler', { id: 'tick' })
    assert.equal(body.data?.status, true)
    assert.match(body.data?.message ?? '', /stopped and deleted/)
    assert.deepEqual(fileJobs(), [])
    assert.deepEqual((await call<Job[]>('', {})).data, [])
    assert.deepEqual(cronTasks(), [], 'a cron task is still registered')
    await call('/stop-scheduler', { id: 'tick' }, 404)
  })

  test('refused jobs (bad cron, unknown type, bad data, duplicate id) leave scheduler.json unchanged', async () => {
    await call('/add-scheduler', { id: 7, type: 'sendText', data: { number: x.number, text: 'new year' }, time: '0 0 1 1 *', timezone: 'Asia/Jakarta' })
    const before = readFileSync(h.dirs.scheduler)
    const refused: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ id: 8, type: 'sendText', data: { number: x.number, text: 'x' }, time: '61 * * * *' }, 400, /time: .*not a valid cron/],
      [{ id: 8, type: 'sendText', data: { number: x.number, text: 'x' }, time: 'every monday' }, 400, /time: /],
      [{ id: 8, type: 'sendFax', data: { number: x.number, text: 'x' }, time: '* * * * *' }, 400, /type: "sendFax" is not a send action; use one of sendText, sendMedia/],
      [{ id: 8, type: 'sendText', data: { number: x.number }, time: '* * * * *' }, 400, /data\.text: /],
      [{ id: 8, type: 'sendText', data: { number: '0812345', text: 'x' }, time: '* * * * *' }, 400, /data\.number: .*local number/],
      [{ id: 8, type: 'sendText', data: { number: x.number, text: 'x' }, time: '* * * * *', timezone: 'Mars/Olympus' }, 400, /timezone: /],
      [{ id: 8, type: 'sendText', data: 'hello', time: '* * * * *' }, 400, /data: is required/],
      [{ id: 'no spaces allowed', type: 'sendText', data: { number: x.number, text: 'x' }, time: '* * * * *' }, 400, /id: must be/],
      [{ id: 7, type: 'sendText', data: { number: x.number, text: 'x' }, time: '* * * * *' }, 409, /already exists/],
      [{ id: '7', type: 'sendText', data: { number: x.number, text: 'x' }, time: '* * * * *' }, 409, /already exists/],
    ]
    for (const [job, status, message] of refused) {
      const body = await call('/add-scheduler', job, status)
      assert.equal(body.status, false)
      assert.match(String(body.message), message)
    }
    await call('/update-scheduler', { id: 99, type: 'sendText', data: { number: x.number, text: 'x' }, time: '* * * * *' }, 404)
    assert.deepEqual(readFileSync(h.dirs.scheduler), before, 'scheduler.json changed after refused requests')
  })

  test('update-scheduler replaces the job; run-now sends it at once, also to an array of numbers (bulk)', async () => {
    const updated = await call<Job[]>('/update-scheduler', { id: 7, type: 'sendText', data: { number: [x.number, y.number], text: 'run now' }, time: '30 8 * * 1-5' })
    assert.deepEqual(updated.data?.map((j) => [j.id, j.time, j.timezone]), [[7, '30 8 * * 1-5', undefined]])
    assert.deepEqual(fileJobs()[0].data, { number: [x.number, y.number], text: 'run now' })

    const ran = waitForEvent<Run>(io, 'scheduler-run', (p) => p.id === '7', WAIT)
    const body = await call<{ ok: boolean; result: { batchId?: string; total?: number } }>('/run-now', { id: 7 })
    assert.equal(body.data?.ok, true)
    assert.equal(body.data?.result.total, 2, JSON.stringify(body.data))
    assert.equal((await ran).ok, true)
    await Promise.all([x, y].map((c) => c.waitForMessage((m) => m.text === 'run now', WAIT)))

    await call('/stop-scheduler', { id: 7 })
    assert.deepEqual(fileJobs(), [])
    assert.deepEqual(cronTasks(), [])
  })

  test('a malformed scheduler.json is kept aside at boot and the gateway starts with no jobs', async () => {
    writeFileSync(h.dirs.scheduler, '[{"id": 1, "token": ')
    await h.restartGateway()
    io = await h.socket({ tokens: [TOKEN] })
    assert.deepEqual((await call<Job[]>('', {})).data, [])
    const aside = readdirSync(dirname(h.dirs.scheduler)).filter((n) => n.startsWith('scheduler.json.corrupt-'))
    assert.equal(aside.length, 1, 'expected one .corrupt- file')
    assert.equal(readFileSync(join(dirname(h.dirs.scheduler), aside[0]), 'utf8'), '[{"id": 1, "token": ')
    await call('/add-scheduler', { id: 1, type: 'sendText', data: { number: x.number, text: 'x' }, time: '0 0 1 1 *' })
    assert.deepEqual(fileJobs().map((j) => j.id), [1])
    await call('/stop-scheduler', { id: 1 })
  })
})
