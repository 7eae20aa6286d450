// The PHP package (clients/php) against a real sandbox gateway: Debian's phpunit runs its tests
// with the gateway's address, and a `php -S` receiver verifies signed webhooks with the package.
// CI installs php-cli, php-curl and phpunit; elsewhere the test says what is missing (and fails
// when CI is set, so a missing package cannot pass silently).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { AUTH, startHarness, type Harness } from '../helpers/harness.js'

const run = promisify(execFile)
const PACKAGE_DIR = fileURLToPath(new URL('../../clients/php/', import.meta.url))
const SECRET = 'php-receiver-secret-123'

async function missingTools(): Promise<string | undefined> {
  const php = await run('php', ['-r', 'echo extension_loaded("curl") ? "curl" : "no-curl";']).then((r) => r.stdout, () => undefined)
  if (php === undefined) return 'php is not installed (apt-get install php-cli php-curl phpunit)'
  if (php !== 'curl') return 'ext-curl is missing (apt-get install php-curl)'
  const phpunit = await run('phpunit', ['--version']).then(() => true, () => false)
  return phpunit ? undefined : 'phpunit is not installed (apt-get install phpunit)'
}
const missing = await missingTools()
const skip = missing !== undefined && !process.env.CI ? missing : false

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address() as { port: number }
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  return port
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`php -S exited with ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.end(); resolve(true) })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`php -S did not listen on ${port} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50)) // poll interval while waiting for the condition
  }
}

let h: Harness
let receiver: ChildProcess | undefined
let dir: string

before(async () => {
  if (skip) return
  dir = mkdtempSync(join(tmpdir(), 'wagw-php-'))
  h = await startHarness({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } })
})
after(async () => {
  receiver?.kill()
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('PHP package: phpunit against the sandbox gateway (create, scan, send, bulk, store, groups, scheduler, signed webhook into php -S)', { skip, timeout: 180_000 }, async () => {
  assert.equal(missing, undefined, missing)
  const port = await freePort()
  const log = join(dir, 'receiver.log')
  receiver = spawn('php', ['-S', `127.0.0.1:${port}`, join(PACKAGE_DIR, 'tests/receiver.php')], {
    env: { ...process.env, RECEIVER_LOG: log, WEBHOOK_SECRET: SECRET },
    stdio: 'ignore',
  })
  await waitForPort(port, receiver)

  const env = {
    ...process.env,
    WA_API: `${h.baseUrl}/api/whatsapp`, WA_AUTH: AUTH, RECEIVER_URL: `http://127.0.0.1:${port}/wa/webhook`, RECEIVER_LOG: log, WEBHOOK_SECRET: SECRET,
  }
  const result = await run('phpunit', ['-c', join(PACKAGE_DIR, 'phpunit.xml')], { env, cwd: PACKAGE_DIR, maxBuffer: 10 * 1024 * 1024 })
    .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }))
  assert.equal(result.code, 0, result.out)
  // Every test ran (none skipped for a missing WA_API), and the gateway tests were among them.
  assert.match(result.out, /OK \(\d+ tests/, result.out)
  assert.doesNotMatch(result.out, /Skipped|Incomplete/i, result.out)
})
