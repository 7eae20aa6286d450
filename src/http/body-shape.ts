// A cheap, linear look at a body's shape BEFORE express-validator runs. Wildcard chains
// (`mentions.*`, `list.*.rows.*.title`…) expand every element and then de-duplicate the expanded
// fields pairwise, which is quadratic: 32k list rows blocked the whole process for many seconds.
// So every collection a wildcard walks is counted first, and an oversized one is refused here.
import type { ValidationChain } from 'express-validator'
import { splitField } from './openapi-fields.js'

/** Entries one wildcard-walked collection (array or object) may hold; the validators' own maxima are lower. */
export const MAX_WILDCARD_ENTRIES = 1024
/** Wildcard field instances one body may expand to, over all chains (bounds the pairwise work). */
export const MAX_WILDCARD_TOTAL = 2048
/** Nesting depth of any JSON body (a WAMessage JSON is far shallower). */
export const MAX_BODY_DEPTH = 64

/** The body fields with a `*` among a route's chains, as segments (`list.*.rows.*.title`). */
export function wildcardFields(chains: readonly ValidationChain[]): string[][] {
  const out: string[][] = []
  for (const chain of chains) {
    const ctx = (chain as Partial<ValidationChain>).builder?.build() as unknown as { fields: string[]; locations: string[] } | undefined
    if (!ctx || !ctx.locations.includes('body')) continue
    for (const f of ctx.fields) {
      const segments = splitField(f)
      if (segments.includes('*')) out.push(segments)
    }
  }
  return out
}

const entries = (v: unknown): unknown[] | undefined =>
  Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v as Record<string, unknown>) : undefined

/** Whether the body nests deeper than `maxDepth`, walking iteratively (recursion could overflow the stack itself). */
function tooDeep(body: unknown, maxDepth: number): boolean {
  const nodes: object[] = []
  const depths: number[] = []
  if (body !== null && typeof body === 'object') nodes.push(body), depths.push(0)
  while (nodes.length) {
    const node = nodes.pop()!
    const depth = depths.pop()!
    // Index loop for arrays: for-in would make a string key per element.
    const children = Array.isArray(node) ? (node as unknown[]) : Object.values(node)
    for (let i = 0; i < children.length; i++) {
      const c = children[i]
      if (c === null || typeof c !== 'object') continue
      if (depth + 1 >= maxDepth) return true
      nodes.push(c)
      depths.push(depth + 1)
    }
  }
  return false
}

/** Why the body is refused before validation, or undefined. `label` names fields (e.g. data.x). */
export function bodyShapeProblem(body: unknown, fields: string[][], label: (field: string) => string = (f) => f): string | undefined {
  let total = 0
  for (const segments of fields) {
    let nodes: unknown[] = [body]
    let instances = 0 // express-validator makes one field instance per element of the last wildcard
    for (let i = 0; i < segments.length && nodes.length; i++) {
      const seg = segments[i]
      if (seg !== '*') {
        nodes = nodes.map((n) => (n !== null && typeof n === 'object' && Object.hasOwn(n, seg) ? (n as Record<string, unknown>)[seg] : undefined))
          .filter((n) => n !== undefined)
        continue
      }
      const next: unknown[] = []
      for (const n of nodes) {
        const list = entries(n)
        if (!list) continue
        if (list.length > MAX_WILDCARD_ENTRIES) {
          return `${label(segments.slice(0, i).join('.'))}: at most ${MAX_WILDCARD_ENTRIES} entries are accepted (got ${list.length})`
        }
        next.push(...list)
        if (next.length > MAX_WILDCARD_ENTRIES) {
          return `${label(segments.slice(0, i + 1).join('.'))}: at most ${MAX_WILDCARD_ENTRIES} entries in all are accepted`
        }
      }
      nodes = next
      instances = next.length
    }
    total += instances
    if (total > MAX_WILDCARD_TOTAL) return `body: too many list entries in all (at most ${MAX_WILDCARD_TOTAL})`
  }
  if (tooDeep(body, MAX_BODY_DEPTH)) return `body: nested deeper than ${MAX_BODY_DEPTH} levels`
  return undefined
}
