// One request must never freeze the gateway. For every route with a body (generated from the app's
// own route list), the worst bodies — each wildcard-walked collection holding 32k entries, every
// field an array, deep nesting — answer 4xx while a concurrent GET /api/whatsapp/instances keeps
// answering in < 100 ms. Non-media routes take small JSON bodies; media routes keep BODY_LIMIT.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type GatewayApp } from '../src/app.js'
import { loadConfig } from '../src/config/index.js'
import { bodyShapeProblem, MAX_WILDCARD_ENTRIES, wildcardFields } from '../src/http/body-shape.js'
import { splitField } from '../src/http/openapi-fields.js'
import type { RouteDef } from '../src/http/route.js'
import { createLogger } from '../src/logger.js'
import { listMessageRules, textRules } from '../src/messaging/validators.js'
import { runActionChains } from '../src/scheduler/validate.js'
import { SEND_ACTIONS } from '../src/messaging/actions.js'

const AUTH = 'body-shape-key-1234'
const HUGE = 32_000
let app: GatewayApp
let port = 0
let root = ''

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wagw-body-shape-'))
  const config = loadConfig({
    AUTH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', WA_WS_URL: 'ws://127.0.0.1:9', MAX_RECONNECTS: '1',
    CREDENTIALS_DIR: join(root, 'credentials'), DATA_DIR: join(root, 'data'), SCHEDULER_FILE: join(root, 'scheduler.json'),
  })
  app = await createApp({ config, logger: createLogger('silent') })
  port = await app.listen()
})
after(async () => {
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

/** A raw request (fetch refuses bodies on some methods); resolves with status and elapsed ms. */
function send(method: string, path: string, body?: string, type = 'application/json'): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, method, path,
      headers: { authorization: `Basic ${Buffer.from(`${AUTH}:`).toString('base64')}`, ...(body ? { 'content-type': type, 'content-length': Buffer.byteLength(body) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text: Buffer.concat(chunks).toString('utf8').slice(0, 300) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Sends the bad body while polling a cheap route; the worst poll latency seen meanwhile. */
async function underLoad(method: string, path: string, body: string, type?: string) {
  let done = false
  let worst = 0
  const poll = (async () => {
    while (!done) worst = Math.max(worst, (await send('GET', '/api/whatsapp/instances')).ms)
  })()
  const bad = await send(method, path, body, type)
  done = true
  await poll
  return { bad, worst }
}

/** `segments` as nested JSON; the `*` at index `wide` gets `n` entries, every other `*` one. */
function nest(segments: string[], wide: number, n: number, i = 0): unknown {
  if (i === segments.length) return 'x'
  const inner = nest(segments, wide, n, i + 1)
  if (segments[i] === '*') return Array<unknown>(i === wide ? n : 1).fill(inner)
  return { [segments[i]]: inner }
}

/** Labelled JSON texts (deep nesting is written as text: JSON.stringify would overflow on it). */
function worstBodies(route: RouteDef): Array<[string, string]> {
  const bodies: Array<[string, string]> = []
  for (const segments of wildcardFields(route.validators ?? [])) {
    segments.forEach((s, i) => {
      if (s === '*') bodies.push([`${segments.join('.')} with ${HUGE} at ${i}`, JSON.stringify({ token: 'tok1', ...(nest(segments, i, HUGE) as object) })])
    })
  }
  const fields = [...new Set((route.validators ?? []).flatMap((c) => {
    const ctx = c.builder.build() as unknown as { fields: string[]; locations: string[] }
    if (!ctx.locations.includes('body')) return []
    return ctx.fields.map((f) => splitField(f)[0]).filter((f): f is string => Boolean(f) && f !== '*')
  }))]
  const per = Math.floor(200_000 / Math.max(1, fields.length))
  // A route without body fields ignores the body; only the nesting check applies to it.
  if (fields.length) bodies.push(['every field an array', JSON.stringify(Object.fromEntries(fields.map((f) => [f, Array<string>(per).fill('x')])))])
  const deep = '['.repeat(20_000) + '"x"' + ']'.repeat(20_000)
  bodies.push(['nested 20k deep', `{"token":"tok1",${JSON.stringify(fields[1] ?? 'message')}:${deep}}`])
  return bodies
}

describe('the worst body for every route', () => {
  test('answers 4xx while a concurrent request answers in < 100 ms', async () => {
    await send('GET', '/api/whatsapp/instances') // warm up
    const routes = app.routes.filter((r) => r.method !== 'get')
    assert.ok(routes.length > 30, `routes found: ${routes.length}`)
    const slow: string[] = []
    for (const route of routes) {
      const path = '/api' + route.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'token' ? 'tok1' : 'x1'))
      for (const [label, json] of worstBodies(route)) {
        let run = await underLoad(route.method.toUpperCase(), path, json)
        // Retries absorb CPU contention on a loaded machine (parsing ~1 MB takes tens of ms there);
        // a real block (the quadratic validators took seconds) repeats every time.
        for (let attempt = 1; attempt < 5 && run.worst >= 100; attempt++) run = await underLoad(route.method.toUpperCase(), path, json)
        const what = `${route.method.toUpperCase()} ${route.path} (${label}, ${(json.length / 1e6).toFixed(2)} MB)`
        assert.ok(run.bad.status >= 400 && run.bad.status < 500, `${what} → ${run.bad.status} ${run.bad.text}`)
        if (run.worst >= 100) slow.push(`${what}: concurrent request took ${run.worst.toFixed(0)} ms`)
      }
    }
    assert.deepEqual(slow, [])
  })

  test('form-encoded worst bodies (as many nested fields as the form parser takes) too', async () => {
    const form = 'application/x-www-form-urlencoded'
    const bodies = [
      Array.from({ length: 10_999 }, (_, i) => `list%5B0%5D%5Brows%5D%5B${i}%5D%5Btitle%5D=r`).join('&'),
      Array.from({ length: 10_999 }, (_, i) => `k${i}%5Ba%5D%5Bb%5D=r`).join('&'),
      Array.from({ length: 10_999 }, (_, i) => `mentions%5B${i}%5D=6281234567890`).join('&'),
    ]
    for (const body of bodies) {
      let run = await underLoad('POST', '/api/whatsapp/send-list-message', `token=tok1&${body}`, form)
      for (let attempt = 1; attempt < 5 && run.worst >= 100; attempt++) run = await underLoad('POST', '/api/whatsapp/send-list-message', `token=tok1&${body}`, form)
      assert.ok(run.bad.status >= 400 && run.bad.status < 500, `${run.bad.status} ${run.bad.text}`)
      assert.ok(run.worst < 100, `concurrent request took ${run.worst.toFixed(0)} ms (${body.slice(0, 40)}…)`)
    }
  })

  test('multipart worst bodies on a non-upload route: capped at JSON_LIMIT, and parsed without blocking', async () => {
    const boundary = 'xBOUNDARYx'
    const multipart = (names: string[]) => names.map((n) => `--${boundary}\r\ncontent-disposition: form-data; name="${n}"\r\n\r\nx\r\n`).join('') + `--${boundary}--\r\n`
    const type = `multipart/form-data; boundary=${boundary}`
    const huge = await send('POST', '/api/whatsapp/send-text', multipart(Array.from({ length: 10_999 }, (_, i) => `text${i}${'p'.repeat(100)}`)), type)
    assert.equal(huge.status, 413, huge.text)
    for (const names of [
      Array.from({ length: 10_999 }, (_, i) => `mentions[${i}]`),
      Array.from({ length: 10_000 }, (_, i) => `list[0][rows][${i}][title]`),
    ]) {
      const body = multipart(['token', ...names])
      let run = await underLoad('POST', '/api/whatsapp/send-list-message', body, type)
      for (let attempt = 1; attempt < 5 && run.worst >= 100; attempt++) run = await underLoad('POST', '/api/whatsapp/send-list-message', body, type)
      assert.ok(run.bad.status >= 400 && run.bad.status < 500, `${run.bad.status} ${run.bad.text}`)
      assert.ok(run.worst < 100, `concurrent request took ${run.worst.toFixed(0)} ms (${names[0]}…, ${(body.length / 1e6).toFixed(2)} MB)`)
    }
  })

  test('send-list-message with 32k rows is refused by the shape check, naming the collection', async () => {
    const body = { token: 'tok1', number: '6281234567890', text: 'menu', buttonText: 'open', list: [{ title: 's', rows: Array(HUGE).fill({ title: 'r' }) }] }
    const r = await send('POST', '/api/whatsapp/send-list-message', JSON.stringify(body))
    assert.equal(r.status, 400)
    assert.match(r.text, /list\.\*\.rows: at most 1024 entries/)
  })
})

describe('body limits', () => {
  test('a 2 MB body is refused on a non-media route (413) and accepted for parsing on send-media', async () => {
    const pad = 'A'.repeat(2 * 1024 * 1024)
    const small = await send('POST', '/api/whatsapp/send-text', JSON.stringify({ token: 'tok1', number: '6281234567890', text: 'x', pad }))
    assert.equal(small.status, 413, small.text)
    const media = await send('POST', '/api/whatsapp/send-media', JSON.stringify({ token: 'tok1', number: '6281234567890', type: 'image', base64: pad }))
    assert.notEqual(media.status, 413, media.text)
    assert.ok(media.status >= 400 && media.status < 500, media.text) // the instance does not exist
  })
})

describe('bodyShapeProblem', () => {
  const list = wildcardFields(listMessageRules())
  test('counts wildcard collections, arrays and objects alike, before any chain runs', () => {
    assert.equal(bodyShapeProblem({ list: [{ rows: [{ title: 'a' }] }] }, list), undefined)
    assert.match(String(bodyShapeProblem({ list: Array(MAX_WILDCARD_ENTRIES + 1).fill({}) }, list)), /^list: at most 1024/)
    const manyKeys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, { displayText: 'x' }]))
    assert.match(String(bodyShapeProblem({ mentions: manyKeys }, wildcardFields(textRules()))), /^mentions: at most 1024/)
    // Primitive rows still become field instances for `rows.*.title`: they are counted too.
    const spread = { list: Array(600).fill({ rows: [1, 2, 3, 4] }) }
    assert.match(String(bodyShapeProblem(spread, list)), /list\.\*\.rows\.\*: at most 1024 entries in all|too many list entries/)
    let deep: unknown = 1
    for (let i = 0; i < 100; i++) deep = { a: deep }
    assert.match(String(bodyShapeProblem({ quoted: deep }, list)), /nested deeper than 64/)
  })

  test('1024 mentions (the documented maximum) still pass the shape check', () => {
    assert.equal(bodyShapeProblem({ mentions: Array(1024).fill('6281234567890') }, wildcardFields(textRules())), undefined)
  })

  test('scheduler jobs get the same check on their data, before the chains run', async () => {
    const action = SEND_ACTIONS.find((a) => a.name === 'sendListMessage')!
    const started = performance.now()
    const r = await runActionChains(action, 'tok1', { number: '6281234567890', list: [{ rows: Array(HUGE).fill({ title: 'r' }) }] })
    assert.ok(performance.now() - started < 100)
    assert.deepEqual(r, { ok: false, problems: [`data.list.*.rows: at most 1024 entries are accepted (got ${HUGE})`] })
  })
})
