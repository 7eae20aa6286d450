// `application/x-www-form-urlencoded` with nested keys (`number[0]=…&delay[min]=2&number[]=…`,
// http_build_query's shape) in linear time. qs (body-parser's extended mode) merges indexed arrays
// quadratically: 11k `mentions[i]` fields blocked the process for seconds. Here keys are split once,
// values go into a tree of plain maps, and a last pass turns maps with only index keys into arrays.
import { AppError, badRequest } from '../errors.js'

export const MAX_FORM_DEPTH = 32
/** Fields nested two levels or more (`list[0][rows][3][title]`); one-level arrays (`number[5]`) may be many more. */
export const MAX_NESTED_FORM_FIELDS = 2048

type Tree = Map<string, Tree | string | string[]>

/** `a[b][0][]` → ['a', 'b', '0', '']; a key that is not of that shape is one literal segment. */
function segmentsOf(key: string): string[] {
  const open = key.indexOf('[')
  if (open <= 0 || !key.endsWith(']')) return [key]
  const parts = [key.slice(0, open)]
  let i = open
  while (i < key.length) {
    const close = key.indexOf(']', i)
    if (key[i] !== '[' || close < 0) return [key]
    parts.push(key.slice(i + 1, close))
    i = close + 1
  }
  return parts
}

const isIndex = (s: string) => /^(0|[1-9]\d{0,8})$/.test(s)

/** The next free index of a map used as an array (`a[]=…` appends). */
function nextIndex(node: Tree): string {
  let n = node.size
  while (node.has(String(n))) n++
  return String(n)
}

function insert(root: Tree, path: string[], value: string): void {
  let node = root
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] === '' ? nextIndex(node) : path[i]
    if (seg === '__proto__') return // never a key of the objects built below
    if (i === path.length - 1) {
      const old = node.get(seg)
      if (old === undefined) node.set(seg, value)
      else if (typeof old === 'string') node.set(seg, [old, value]) // a=1&a=2 → ['1', '2'], as qs does
      else if (Array.isArray(old)) old.push(value)
      return // a leaf where a nested field already is: the nested one wins
    }
    let child = node.get(seg)
    if (!(child instanceof Map)) {
      if (child !== undefined) return // a nested field where a plain value already is: the first one wins
      child = new Map()
      node.set(seg, child)
    }
    node = child
  }
}

/** Maps whose keys are all indexes become arrays (in index order, holes dropped); others objects. */
function toJson(node: Tree | string | string[]): unknown {
  if (!(node instanceof Map)) return node
  const keys = [...node.keys()]
  if (keys.length > 0 && keys.every(isIndex)) {
    return keys.map(Number).sort((a, b) => a - b).map((k) => toJson(node.get(String(k))!))
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of node) out[k] = toJson(v)
  return out
}

/** Parses a urlencoded body; 413 over `maxFields` fields, 400 for keys nested deeper than MAX_FORM_DEPTH. */
export function parseForm(text: string, maxFields: number): Record<string, unknown> {
  const fields = new FormFields(maxFields)
  // Pair by pair (URLSearchParams would decode the whole body first): a bound stops the work early.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('&', start)
    if (end < 0) end = text.length
    const pair = text.slice(start, end)
    start = end + 1
    if (!pair) continue
    const eq = pair.indexOf('=')
    fields.add(decode(eq < 0 ? pair : pair.slice(0, eq)), eq < 0 ? '' : decode(pair.slice(eq + 1)))
  }
  return fields.body()
}

/** Form decoding ('+' is a space); a malformed escape is kept as URLSearchParams keeps it. */
function decode(s: string): string {
  const plain = s.replace(/\+/g, ' ')
  if (!plain.includes('%')) return plain
  try {
    return decodeURIComponent(plain)
  } catch {
    return new URLSearchParams(`x=${s}`).get('x') ?? plain
  }
}

/** Collects `name → value` pairs (urlencoded or multipart text fields) into the nested body. */
export class FormFields {
  private readonly root: Tree = new Map()
  private count = 0
  private nested = 0

  constructor(private readonly maxFields: number) {}

  /** Throws an AppError (413/400) when a bound is passed. */
  add(key: string, value: string): void {
    const maxFields = this.maxFields
    if (++this.count > maxFields) throw new AppError(413, `too many form fields (at most ${maxFields})`)
    if (key === '') return // `=value` names nothing (qs drops it too)
    const path = segmentsOf(key)
    if (path.length - 1 > MAX_FORM_DEPTH) throw badRequest(`form field "${key.slice(0, 60)}" is nested deeper than ${MAX_FORM_DEPTH} levels`)
    if (path.length > 2 && ++this.nested > MAX_NESTED_FORM_FIELDS) {
      throw new AppError(413, `too many nested form fields (at most ${MAX_NESTED_FORM_FIELDS} like a[b][c]; send large lists as JSON)`)
    }
    insert(this.root, path, value)
  }

  body(): Record<string, unknown> {
    const body: Record<string, unknown> = {}
    for (const [k, v] of this.root) body[k] = toJson(v) // the body itself is always an object
    return body
  }
}
