import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig } from '../src/config/index.js'

const dir = () => mkdtempSync(join(tmpdir(), 'wagw-config-'))

test('defaults are safe and typed', () => {
  const cwd = dir()
  const c = loadConfig({ AUTH: 'abcdefgh12345678' }, cwd)
  assert.equal(c.port, 3000)
  assert.equal(c.credentialsDir, join(cwd, 'credentials'))
  assert.equal(c.schedulerFile, join(cwd, 'scheduler.json'))
  assert.equal(c.dataDir, join(cwd, 'data'))
  assert.equal(c.mediaAllowPrivate, false)
  assert.equal(c.mediaMaxBytes, 64 * 1024 * 1024)
  assert.equal(c.store, true)
  assert.equal(c.sandbox, false)
  assert.equal(c.maxInstances, 1000)
  assert.equal(c.schedulerMinIntervalS, 60)
  assert.equal(c.authFailLimit, 30)
  assert.equal(c.amqpUrl, undefined, 'AMQP is off unless AMQP_URL is set')
  assert.equal(c.amqpExchange, 'whatsapp')
  assert.deepEqual(c.amqpEvents, ['*'])
  rmSync(cwd, { recursive: true })
})

test('a sandbox config keeps all its state apart from the production config', () => {
  const cwd = dir()
  const prod = loadConfig({ AUTH: 'abcdefgh12345678' }, cwd)
  const sandbox = loadConfig({ AUTH: 'abcdefgh12345678', WA_SANDBOX: 'true' }, cwd)
  const root = join(cwd, 'data', 'sandbox')
  assert.equal(sandbox.dataDir, root)
  assert.equal(sandbox.credentialsDir, join(root, 'credentials'))
  assert.equal(sandbox.schedulerFile, join(root, 'scheduler.json'))
  for (const k of ['dataDir', 'credentialsDir', 'schedulerFile'] as const) {
    assert.notEqual(sandbox[k], prod[k], k)
    // Not nested either way: production's credentials/ and scheduler.json never hold sandbox state.
    assert.ok(!sandbox[k].startsWith(prod.credentialsDir) && sandbox[k] !== prod.schedulerFile, k)
  }
  // A variable set explicitly still wins in the sandbox.
  const explicit = loadConfig({ AUTH: 'abcdefgh12345678', WA_SANDBOX: 'true', CREDENTIALS_DIR: './creds' }, cwd)
  assert.equal(explicit.credentialsDir, join(cwd, 'creds'))
  assert.equal(explicit.dataDir, root)
  rmSync(cwd, { recursive: true })
})

test('scheduler.json is live state: ignored by git, not shipped', () => {
  const repo = fileURLToPath(new URL('..', import.meta.url))
  const ignored = readFileSync(join(repo, '.gitignore'), 'utf8').split('\n').map((l) => l.trim())
  assert.ok(ignored.includes('/scheduler.json') || ignored.includes('scheduler.json'), '.gitignore lists scheduler.json')
  const tracked = spawnSync('git', ['ls-files', '--error-unmatch', 'scheduler.json'], { cwd: repo })
  if (tracked.error === undefined && existsSync(join(repo, '.git'))) assert.notEqual(tracked.status, 0, 'scheduler.json is not tracked')
})

test('a missing AUTH is generated once, kept private, and reused', () => {
  const cwd = dir()
  const a = loadConfig({}, cwd)
  const b = loadConfig({}, cwd)
  assert.equal(a.authGenerated, true)
  assert.ok(a.auth.length >= 24)
  assert.equal(a.auth, b.auth)
  assert.equal(readFileSync(join(cwd, 'data', 'auth-key'), 'utf8').trim(), a.auth)
  rmSync(cwd, { recursive: true })
})

test('malformed values name the variable', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ MIN: '5', MAX: '2' }, /MAX must be >= MIN/],
    [{ WEBHOOK: 'not a url' }, /WEBHOOK must be a URL/],
    [{ WEBHOOK: 'ftp://x/y' }, /WEBHOOK must use http/],
    [{ STORE: 'maybe' }, /STORE must be true or false/],
    [{ AUTH: 'short' }, /AUTH must be at least 16 characters; generate one with: openssl rand -base64 24/],
    [{ AUTH: 'fifteen-chars-x' }, /AUTH must be at least 16/],
    [{ AUTH: 'has:colon1234567' }, /AUTH must not contain/],
    [{ MAX_INSTANCES: '0' }, /MAX_INSTANCES must be between/],
    [{ SCHEDULER_MIN_INTERVAL_S: 'x' }, /SCHEDULER_MIN_INTERVAL_S must be a whole number/],
    [{ AUTH_FAIL_LIMIT: '0' }, /AUTH_FAIL_LIMIT must be between/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ AMQP_URL: 'http://broker' }, /AMQP_URL must use amqp: or amqps:/],
    [{ AMQP_EXCHANGE: 'amq.topic' }, /AMQP_EXCHANGE must be/],
    [{ AMQP_EXCHANGE: 'has space' }, /AMQP_EXCHANGE must be/],
    [{ AMQP_EVENTS: 'message-upsert,nope' }, /AMQP_EVENTS has unknown events nope/],
    [{ AMQP_EVENTS: 'webhook-delivery' }, /AMQP_EVENTS has unknown events webhook-delivery/],
  ]
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig({ AUTH: 'abcdefgh12345678', ...env }, dir()), (err: unknown) => err instanceof ConfigError && message.test(err.message))
  }
})

test('a config error stops boot with one clear line', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: 'abc', AUTH: 'abcdefgh12345678', DATA_DIR: dir() },
    encoding: 'utf8',
    timeout: 30_000,
  })
  assert.equal(r.status, 1)
  // On an unsupported Node the runtime warning comes first; the config error is still one line.
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('Warning: Node.js'))
  assert.deepEqual(lines, ['Invalid configuration: PORT must be a whole number, got "abc"'])
})

test('a short AUTH stops boot and shows how to generate a strong one', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, AUTH: 'abcdefgh12', DATA_DIR: dir() },
    encoding: 'utf8',
    timeout: 30_000,
  })
  assert.equal(r.status, 1)
  assert.match(r.stderr, /AUTH must be at least 16 characters/)
  assert.match(r.stderr, /openssl rand -base64 24/)
  assert.match(r.stderr, /node -e/)
})
