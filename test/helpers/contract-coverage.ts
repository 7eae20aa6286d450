// Prints which routes had a 2xx answer validated against the OpenAPI document during the tests
// that ran since test-artifacts/contract-coverage/ was last emptied:
//   rm -rf test-artifacts/contract-coverage && npm test && node --import tsx test/helpers/contract-coverage.ts
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/index.js'
import { createLogger } from '../../src/logger.js'
import { buildOpenApi } from '../../src/http/openapi.js'
import { sandboxRoutes } from '../../src/http/routes/sandbox.js'
import type { Simulator } from '../../src/simulator/index.js'

const dir = new URL('../../test-artifacts/contract-coverage/', import.meta.url)
const root = mkdtempSync(join(tmpdir(), 'wagw-coverage-'))
const config = loadConfig({
  AUTH: 'coverage-auth-key-123', PORT: '0', LOG_LEVEL: 'silent', WA_WS_URL: 'ws://127.0.0.1:9',
  CREDENTIALS_DIR: join(root, 'c'), DATA_DIR: join(root, 'd'), SCHEDULER_FILE: join(root, 's.json'),
})
const app = await createApp({ config, logger: createLogger('silent') })
const doc = buildOpenApi([...app.routes, ...sandboxRoutes(app, {} as Simulator)])
await app.close()
rmSync(root, { recursive: true, force: true })

const seen = new Map<string, boolean>()
if (existsSync(dir)) {
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(new URL(file, dir), 'utf8').split('\n').filter(Boolean)) {
      const { op, precise } = JSON.parse(line) as { op: string; precise: boolean }
      seen.set(op, (seen.get(op) ?? false) || precise)
    }
  }
}
const ops = Object.entries(doc.paths).flatMap(([path, m]) => Object.entries(m).map(([method, op]) => ({ id: op.operationId, name: `${method.toUpperCase()} ${path}` })))
const precise = ops.filter((o) => seen.get(o.id) === true)
const envelopeOnly = ops.filter((o) => seen.get(o.id) === false)
const unseen = ops.filter((o) => !seen.has(o.id))
console.log(`2xx validated against the route's own data schema: ${precise.length}/${ops.length} routes`)
if (envelopeOnly.length) console.log(`2xx validated against the generic envelope only: ${envelopeOnly.map((o) => o.name).join(', ')}`)
if (unseen.length) console.log(`no 2xx JSON seen by the harness: ${unseen.map((o) => o.name).join(', ')}`)
process.exit(0)
