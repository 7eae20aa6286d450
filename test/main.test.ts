// `npm start`'s entry as a real process: starts with no .env and no WhatsApp reachable, prints the
// generated key, serves the API, warns once on an unsupported Node, and exits 0 on SIGTERM.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unsupportedNodeWarning } from '../src/util/runtime.js'

test('the server starts on defaults, answers with the printed key, and shuts down cleanly', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wagw-main-'))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1',
    DATA_DIR: join(root, 'data'), CREDENTIALS_DIR: join(root, 'credentials'), SCHEDULER_FILE: join(root, 'scheduler.json'),
  }
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(process.cwd(), 'src/main.ts')], { cwd: root, env })
  let out = ''
  const ready = new Promise<{ key: string; url: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s; output:\n${out}`)), 30_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const key = /AUTH=(\S+)/.exec(out)?.[1]
      const url = /"url":"(http:\/\/localhost:\d+)"/.exec(out)?.[1]
      if (key && url) {
        clearTimeout(timer)
        resolve({ key, url: url.replace('localhost', '127.0.0.1') })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}:\n${out}`)))
  })
  try {
    const { key, url } = await ready
    // The old-Node warning appears exactly once on an unsupported Node and never on a supported one.
    const warning = unsupportedNodeWarning(process.version)
    assert.equal(out.split(warning ?? 'is not supported; the supported lines').length - 1, warning ? 1 : 0, out)
    const ok = await fetch(`${url}/api/whatsapp/instances`, { headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` } })
    assert.equal(ok.status, 200)
    assert.deepEqual(await ok.json(), { status: true, data: [] })
    const denied = await fetch(`${url}/api/whatsapp/instances`)
    assert.equal(denied.status, 401)
    const dashboard = await fetch(`${url}/`)
    assert.equal(dashboard.status, 200)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
  } finally {
    child.kill('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
})
