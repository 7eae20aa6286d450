// Runs the production entry exactly as `npm start` does (node dist/main.js, built by `npm run
// build`, which `npm test` runs first) as a child process, and reads what it prints.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const DIST_MAIN = join(process.cwd(), 'dist/main.js')

export interface GatewayProcess {
  child: ChildProcessWithoutNullStreams
  root: string
  url: string
  key: string
  output(): string
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: { status: boolean; data?: T; message?: string } }>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
  cleanup(): void
}

/** Starts dist/main.js in a temp folder with a fresh DATA_DIR (no .env there) plus `env`. */
export async function startGatewayProcess(env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<GatewayProcess> {
  if (!existsSync(DIST_MAIN)) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)')
  const root = mkdtempSync(join(tmpdir(), 'wagw-proc-'))
  const child = spawn(process.execPath, [...nodeArgs, DIST_MAIN], {
    cwd: root,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1',
      DATA_DIR: join(root, 'data'), CREDENTIALS_DIR: join(root, 'credentials'), SCHEDULER_FILE: join(root, 'scheduler.json'),
      ...env,
    },
  })
  let out = ''
  const ready = new Promise<{ key: string; url: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s; output:\n${out}`)), 30_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      // A generated key is never printed: the entry says which file holds it.
      const keyFile = /generated key stored in (\S+)/.exec(out)?.[1]
      const key = env.AUTH ?? (keyFile ? readFileSync(keyFile, 'utf8').trim() : undefined)
      const url = /"url":"(http:\/\/localhost:\d+)"/.exec(out)?.[1]
      if (key && url) {
        clearTimeout(timer)
        resolve({ key, url: url.replace('localhost', '127.0.0.1') })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited early with ${code}:\n${out}`))
    })
  })
  let started: { key: string; url: string }
  try {
    started = await ready
  } catch (err) {
    child.kill('SIGKILL')
    rmSync(root, { recursive: true, force: true })
    throw err
  }
  const { key, url } = started
  const authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`
  return {
    child, root, url, key,
    output: () => out,
    async api(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as never }
    },
    stop() {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode)
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      return exited
    },
    cleanup() {
      child.kill('SIGKILL')
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Resolves when `check` returns a value (polled every 25 ms), or rejects after timeoutMs. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
