// Docker cannot build on the test machines, so this checks what can be checked: GET /health (no
// key, reveals nothing), the image's HEALTHCHECK command run for real against a gateway, the
// image's start command equal to `npm start`'s, and the files agreeing with each other
// (non-root user, Node 24 base, dev dependencies pruned, volumes where the app writes).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import { startHarness, type Harness } from './helpers/harness.js'

const run = promisify(execFile)
const read = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8')

interface Instruction { op: string; args: string }
/** Dockerfile instructions: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ')
  return joined.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [op, ...rest] = l.split(/\s+/)
    return { op: op.toUpperCase(), args: rest.join(' ') }
  })
}
const dockerfile = parseDockerfile(read('Dockerfile'))
const stages: Instruction[][] = []
for (const i of dockerfile) {
  if (i.op === 'FROM') stages.push([])
  stages.at(-1)?.push(i)
}
const final = stages.at(-1) ?? []
const jsonArgs = (args: string) => JSON.parse(args) as string[]
const healthcheckCmd = (): string[] => {
  const hc = final.find((i) => i.op === 'HEALTHCHECK')
  assert.ok(hc, 'the final stage has a HEALTHCHECK')
  const m = /\bCMD\s+(\[.*\])\s*$/.exec(hc.args)
  assert.ok(m, 'HEALTHCHECK uses the exec form CMD [...]')
  return jsonArgs(m[1])
}

let h: Harness
before(async () => {
  h = await startHarness()
})
after(async () => {
  await h.close()
})

test('GET /health needs no key and reveals nothing', async () => {
  const variants: Array<Record<string, string>> = [{}, { authorization: 'Basic d3Jvbmc6' }]
  for (const headers of variants) {
    const res = await fetch(`${h.baseUrl}/health`, { headers })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assert.equal(res.headers.get('x-powered-by'), null)
    assert.deepEqual(await res.json(), { status: 'ok' })
  }
  assert.equal((await fetch(`${h.baseUrl}/api/whatsapp/instances`)).status, 401, 'the API itself still needs the key')
})

test("the image's HEALTHCHECK command passes against a running gateway and fails when nothing listens", async () => {
  const [cmd, ...args] = healthcheckCmd()
  assert.equal(cmd, 'node')
  const port = new URL(h.baseUrl).port
  await run(process.execPath, args, { env: { ...process.env, PORT: port }, timeout: 10_000 })

  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const deadPort = String((closed.address() as { port: number }).port)
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  await assert.rejects(run(process.execPath, args, { env: { ...process.env, PORT: deadPort }, timeout: 10_000 }))
})

test("the image's start command is `npm start`'s", () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
  const cmd = final.filter((i) => i.op === 'CMD').at(-1)
  assert.ok(cmd, 'the final stage has a CMD')
  assert.equal(jsonArgs(cmd.args).join(' '), pkg.scripts.start)
  assert.equal(pkg.scripts.prestart, 'npm run build', 'npm start builds first; the image builds in its build stage')
})

test('multi-stage on node:24-bookworm-slim: npm ci + build, dev dependencies pruned, non-root user', () => {
  assert.ok(stages.length >= 2, 'at least a build and a runtime stage')
  for (const s of stages) assert.match(s[0].args, /^node:24-bookworm-slim\b/)
  const buildRuns = stages[0].filter((i) => i.op === 'RUN').map((i) => i.args).join('\n')
  assert.match(buildRuns, /npm ci\b/)
  assert.match(buildRuns, /npm run build\b/)
  assert.match(buildRuns, /npm prune --omit=dev|npm ci --omit=dev/)
  const user = final.filter((i) => i.op === 'USER').at(-1)
  assert.ok(user && !/^(root|0)(:|$)/.test(user.args), 'the runtime stage switches to a non-root user')
  assert.ok(final.indexOf(user) < final.findIndex((i) => i.op === 'CMD'))
})

test('volumes, environment, compose file and .dockerignore agree', () => {
  const env = new Map(final.filter((i) => i.op === 'ENV').flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]] as const)))
  const volumes = jsonArgs(final.find((i) => i.op === 'VOLUME')?.args ?? '[]')
  assert.deepEqual(volumes.sort(), [env.get('CREDENTIALS_DIR'), env.get('DATA_DIR')].sort())
  assert.ok(env.get('SCHEDULER_FILE')?.startsWith(`${env.get('DATA_DIR')}/`), 'scheduler jobs live on the data volume')
  assert.equal(env.get('HOST'), '0.0.0.0')

  const compose = read('docker-compose.yml')
  for (const dir of volumes) assert.match(compose, new RegExp(`^\\s+- \\w+:${dir}$`, 'm'), `compose mounts a volume at ${dir}`)
  assert.match(compose, /AUTH: \$\{AUTH:\?/, 'compose refuses to start without AUTH')

  const ignored = read('.dockerignore').split('\n').map((l) => l.trim())
  for (const p of ['node_modules', 'dist', 'credentials', 'data', '.env', '.git']) assert.ok(ignored.includes(p), `.dockerignore lists ${p}`)
})
