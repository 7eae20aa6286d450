// No secret reaches the logs, on the path that printed them: `npm run sandbox` as a real process at
// LOG_LEVEL=trace, pair, exchange messages, kill -9, restart on the same folders, exchange again.
// libsignal prints `Closing session: SessionEntry { … privKey: <Buffer …> }` on that path; its
// console output must arrive as a redacted debug log, and stdout must hold no key material, no
// AUTH key and no webhook secret.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const AUTH = 'leak-test-auth-key-Zq81xLm'
const WEBHOOK_SECRET = 'leak-test-webhook-secret-Pw44'
const TOKEN = 'leaky'
const ECHO = '15550100001' // a starter contact that answers every text
const KEY_NAMES = /(privKey|rootKey|chainKey|noiseKey)(?!":"\[redacted\]")/

interface Run { child: ChildProcess; base: string; out: () => string }

async function startSandbox(env: NodeJS.ProcessEnv, log: { text: string }): Promise<Run> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(process.cwd(), 'src/sandbox.ts')], { env })
  let mine = ''
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start in 60 s:\n${mine.slice(-3000)}`)), 60_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      mine += chunk.toString()
      log.text += chunk.toString()
      const port = /Sandbox ready: dashboard http:\/\/localhost:(\d+)\//.exec(mine)?.[1]
      if (port) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${port}`)
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => { log.text += chunk.toString() })
    child.once('exit', (code) => reject(new Error(`sandbox exited early with ${code}:\n${mine.slice(-3000)}`)))
  })
  return { child, base, out: () => mine }
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; data?: T; message?: string }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${AUTH}:`).toString('base64')}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = (await res.json()) as { data?: T; message?: string }
  return { ...json, status: res.status }
}

/** Polls until `check` returns a value (no fixed sleeps: each try is a real request). */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

async function exchange(base: string, text: string): Promise<void> {
  const sent = await api<{ key: { id: string } }>(base, 'POST', '/api/whatsapp/send-text', { token: TOKEN, number: ECHO, text })
  assert.equal(sent.status, 200, JSON.stringify(sent))
  await until(`the contact to receive "${text}"`, async () => {
    const got = await api<Array<{ text?: string }>>(base, 'GET', `/api/sandbox/contacts/${ECHO}/messages`)
    return got.data?.some((m) => m.text === text) ? true : undefined
  })
  // The contact also writes to the instance (a message in the other direction, decrypted here).
  const reply = await api(base, 'POST', `/api/sandbox/contacts/${ECHO}/send`, { token: TOKEN, text: `reply to ${text}` })
  assert.equal(reply.status, 200, JSON.stringify(reply))
}

test('stdout holds no key material, AUTH key or webhook secret across pairing, kill -9 and restart (LOG_LEVEL=trace)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wagw-leak-'))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'trace',
    AUTH, WEBHOOK: 'http://127.0.0.1:9/hook', WEBHOOK_SECRET, WEBHOOK_EVENTS: '*',
    DATA_DIR: join(root, 'data'), CREDENTIALS_DIR: join(root, 'credentials'), SCHEDULER_FILE: join(root, 'scheduler.json'),
  }
  const log = { text: '' }
  const runs: Run[] = []
  try {
    const first = await startSandbox(env, log)
    runs.push(first)
    assert.equal((await api(first.base, 'POST', '/api/whatsapp/create-instance', { token: TOKEN })).status, 200)
    await until('a QR to scan', async () => {
      const r = await api(first.base, 'POST', '/api/sandbox/scan', { token: TOKEN })
      return r.status === 200 ? true : undefined
    })
    const open = async (base: string) => until('the instance to be open', async () =>
      (await api<{ state: string }>(base, 'GET', `/api/whatsapp/instances/${TOKEN}`)).data?.state === 'open' ? true : undefined)
    await open(first.base)
    await exchange(first.base, 'before the crash')
    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))

    const second = await startSandbox(env, log)
    runs.push(second)
    await open(second.base)
    await exchange(second.base, 'after the restart')
    await exchange(second.base, 'once more')
    // Wait until libsignal has printed its session change (raw before the fix, as a log line after).
    await until('libsignal\'s "Closing/Opening session" output', async () => (/(Closing|Opening) session/.test(log.text) ? true : undefined), 15_000)
  } finally {
    for (const r of runs) r.child.kill('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
  const out = log.text
  // assert.ok with an excerpt: a failing assert.match would print the whole (megabytes of) output.
  const near = (i: number) => out.slice(Math.max(0, i - 300), i + 300)
  const buffer = out.indexOf('<Buffer')
  assert.ok(buffer < 0, `a byte dump reached stdout: ${near(buffer)}`)
  const keyName = KEY_NAMES.exec(out)
  assert.ok(!keyName, `key material reached stdout: ${keyName ? near(keyName.index) : ''}`)
  assert.ok(!out.includes(AUTH), `the AUTH key reached stdout: ${near(out.indexOf(AUTH))}`)
  assert.ok(!out.includes(Buffer.from(`${AUTH}:`).toString('base64')), 'the AUTH key reached stdout as a Basic header')
  assert.ok(!out.includes(WEBHOOK_SECRET), `the webhook secret reached stdout: ${near(out.indexOf(WEBHOOK_SECRET))}`)
  assert.ok(out.length > 10_000, 'trace logging produced output')
  assert.ok(/"source":"console","method":"info","msg":"Closing session: /.test(out), 'libsignal\'s output arrives as a redacted debug log')
})
