// Checks real responses against the served OpenAPI document, so a route whose answer drifts from
// what the document says fails the test that saw it. The harness's api() runs every JSON answer
// through check(); each process records which operations it validated (for the coverage figure
// printed by `node --import tsx test/helpers/contract-coverage.ts`).
import { appendFileSync, mkdirSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'

type Json = Record<string, unknown>

interface OperationMatch {
  method: string
  regex: RegExp
  params: number
  operationId: string
  pointer: string
  responses: Record<string, Json>
}

const COVERAGE_DIR = new URL('../../test-artifacts/contract-coverage/', import.meta.url)
const DOC_ID = 'served-openapi.json'

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

export class ContractDrift extends Error {}

export class ContractChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  private readonly operations: OperationMatch[] = []
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly recorded = new Set<string>()

  constructor(private readonly doc: Json) {
    this.ajv.addSchema(doc, DOC_ID)
    const paths = doc.paths as Record<string, Record<string, Json>>
    for (const [path, ops] of Object.entries(paths)) {
      const regex = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`)
      for (const [method, op] of Object.entries(ops)) {
        this.operations.push({
          method, regex, params: (path.match(/\{/g) ?? []).length, operationId: String(op.operationId),
          pointer: `#/paths/${escapePointer(path)}/${method}`, responses: op.responses as Record<string, Json>,
        })
      }
    }
    // A literal segment wins over a parameter at the same place.
    this.operations.sort((a, b) => a.params - b.params)
  }

  /** Throws ContractDrift when a JSON answer of a documented route does not match its schema. */
  check(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
    if (!contentType?.includes('application/json')) return
    const path = new URL(url, 'http://x').pathname
    const op = this.operations.find((o) => o.method === method.toLowerCase() && o.regex.test(path))
    if (!op) return
    if (process.env.CONTRACT_SAMPLES) this.sample(op.operationId, status, body)
    const code = String(status)
    const key = code in op.responses ? code : `${code[0]}XX` in op.responses ? `${code[0]}XX` : 'default'
    let response = op.responses[key]
    if (!response) throw new ContractDrift(`${method} ${path} answered ${status}, which the document does not list`)
    let pointer = `${op.pointer}/responses/${key}`
    if (typeof response.$ref === 'string') {
      pointer = response.$ref
      response = this.resolve(response.$ref)
    }
    const json = (response.content as Record<string, Json> | undefined)?.['application/json']
    if (!json?.schema) throw new ContractDrift(`${method} ${path} answered JSON with ${status}, but the document lists no JSON for it`)
    const schemaPointer = `${pointer}/content/application~1json/schema`
    let validate = this.compiled.get(schemaPointer)
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${schemaPointer}` })
      this.compiled.set(schemaPointer, validate)
    }
    if (!validate(body)) {
      const errors = (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
      throw new ContractDrift(
        `${method} ${path} → ${status} does not match ${op.operationId} in /api/openapi.json:\n  ${errors.join('\n  ')}\n  body: ${JSON.stringify(body).slice(0, 600)}`,
      )
    }
    if (status >= 200 && status < 300) this.record(op.operationId, !(typeof op.responses[key]?.$ref === 'string' && String(op.responses[key].$ref).endsWith('/Ok')))
  }

  /** A drift message when a Socket.IO payload does not match `x-events`, else undefined. */
  checkEvent(event: string, payload: unknown): string | undefined {
    const events = (this.doc['x-events'] as { socketio?: Record<string, unknown> } | undefined)?.socketio ?? {}
    if (!(event in events)) return `Socket.IO event "${event}" is not documented in x-events`
    const pointer = `#/x-events/socketio/${escapePointer(event)}`
    let validate = this.compiled.get(pointer)
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${pointer}` })
      this.compiled.set(pointer, validate)
    }
    if (validate(payload)) return undefined
    return `Socket.IO "${event}" does not match x-events: ${this.ajv.errorsText(validate.errors)}; payload ${JSON.stringify(payload).slice(0, 400)}`
  }

  private resolve(ref: string): Json {
    let node: unknown = this.doc
    for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
    return node as Json
  }

  /** CONTRACT_SAMPLES=<file>: appends real answers, to write or review a schema from what routes send. */
  private sample(operationId: string, status: number, body: unknown): void {
    appendFileSync(String(process.env.CONTRACT_SAMPLES), `${JSON.stringify({ op: operationId, status, body })}\n`)
  }

  /** One line per operation and process: {op, precise} (precise = validated against its own data schema). */
  private record(operationId: string, precise: boolean): void {
    const key = `${operationId}:${precise}`
    if (this.recorded.has(key)) return
    this.recorded.add(key)
    try {
      mkdirSync(COVERAGE_DIR, { recursive: true })
      appendFileSync(new URL(`${process.pid}.jsonl`, COVERAGE_DIR), `${JSON.stringify({ op: operationId, precise })}\n`)
    } catch {
      // Coverage is a report, never a reason for a test to fail.
    }
  }
}
