// Reads express-validator chains (the same ones the routes run) and turns each into a documented
// field: location, nested path, required, and a JSON schema with simple types, enums and bounds.
// Types of custom validators (isString, isArray, exists, custom(...)) are found by probing them
// with sample values, so a changed rule changes the document without anyone editing it.
import type { ValidationChain } from 'express-validator'

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object'

export interface SchemaObject {
  type?: JsonType
  anyOf?: SchemaObject[]
  enum?: unknown[]
  format?: string
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  items?: SchemaObject
  properties?: Record<string, SchemaObject>
  required?: string[]
  description?: string
}

export type FieldLocation = 'body' | 'query' | 'params' | 'headers' | 'cookies'

export interface FieldDoc {
  locations: FieldLocation[]
  /** Path segments: `media.base64` → ['media', 'base64']; `numbers[*]` → ['numbers', '*']. */
  segments: string[]
  required: boolean
  schema: SchemaObject
}

/** The (internal, but plain JS) properties of express-validator context items that we read. */
interface ContextItemShape {
  constructor: { name: string }
  validator?: (value: unknown, ...rest: unknown[]) => unknown
  negated?: boolean
  options?: unknown[]
  message?: unknown
}

interface ContextShape {
  fields: string[]
  locations: FieldLocation[]
  optional: string | false
  stack: ReadonlyArray<ContextItemShape>
}

const SCALAR_SAMPLES: Array<[JsonType, unknown[]]> = [
  ['string', ['a', 'abc-123', '628123456789', 'https://example.com/a.png', '2030-01-01T10:00:00Z']],
  ['integer', [1, 628123456789]],
  ['number', [0.5]],
  ['boolean', [true, false]],
  ['object', [{ a: 1 }, {}]],
]
const FAKE_META = { req: { body: {}, query: {}, params: {}, headers: {}, cookies: {} }, location: 'body', path: '' }
const GENERIC_MESSAGES = new Set(['Invalid value', 'is required'])

/** true/false when the validator answered synchronously; undefined when it is async (unknown). */
function passes(fn: NonNullable<ContextItemShape['validator']>, value: unknown, negated: boolean): boolean | undefined {
  try {
    const r = fn(value, FAKE_META)
    if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
      ;(r as Promise<unknown>).then(() => undefined, () => undefined)
      return undefined
    }
    return negated ? !r : Boolean(r)
  } catch {
    return negated
  }
}

/** The message a validator throws for a missing value ("type or mimetype is required"). */
function thrownFor(fn: NonNullable<ContextItemShape['validator']>, value: unknown): string | undefined {
  try {
    const r = fn(value, FAKE_META)
    // An async validator's verdict is unknown here; its rejection must not go unhandled.
    if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(() => undefined, () => undefined)
  } catch (err) {
    return err instanceof Error ? err.message : undefined
  }
  return undefined
}

/** Which JSON types (and array item types) a custom validator accepts; undefined if it is inconclusive. */
function probe(item: ContextItemShape): { types: Set<JsonType>; itemTypes: Set<JsonType>; acceptsUndefined: boolean } | undefined {
  const fn = item.validator
  // A validator that reads `{ req }` checks this field against others: probing it alone says nothing.
  if (!fn || fn.length >= 2) return undefined
  const negated = item.negated === true
  const types = new Set<JsonType>()
  const itemTypes = new Set<JsonType>()
  let conclusive = false
  for (const [type, samples] of SCALAR_SAMPLES) {
    const results = samples.map((s) => passes(fn, s, negated))
    if (results.some((r) => r !== undefined)) conclusive = true
    if (results.some((r) => r === true)) types.add(type)
    if (samples.some((s) => passes(fn, [s], negated) === true)) itemTypes.add(type)
  }
  if (passes(fn, [], negated) === true || itemTypes.size > 0) types.add('array')
  if (!conclusive || types.size === 0) return undefined
  return { types, itemTypes, acceptsUndefined: passes(fn, undefined, negated) === true }
}

const ALL_TYPES: JsonType[] = ['string', 'integer', 'number', 'boolean', 'array', 'object']

function typeSchema(types: Set<JsonType>, itemTypes: Set<JsonType>): SchemaObject {
  // An integer sample passing while a fraction fails means "integer"; both passing means "number".
  const list = ALL_TYPES.filter((t) => types.has(t) && !(t === 'integer' && types.has('number')))
  if (list.length === 0 || list.length >= 5) return {}
  const one = (t: JsonType): SchemaObject =>
    t === 'array' ? { type: 'array', items: typeSchema(new Set([...itemTypes].filter((x) => x !== 'array')), new Set()) } : { type: t }
  return list.length === 1 ? one(list[0]) : { anyOf: list.map(one) }
}

const num = (o: unknown, key: string): number | undefined => {
  const v = (o as Record<string, unknown> | undefined)?.[key]
  return typeof v === 'number' ? v : undefined
}

/** Hints from a standard (validator.js) validator, by its function name and options. */
function standardHints(name: string, options: unknown[], schema: SchemaObject): void {
  const o = options[0]
  switch (name) {
    case 'isInt':
      schema.type = 'integer'
      if (num(o, 'min') !== undefined) schema.minimum = num(o, 'min')
      if (num(o, 'max') !== undefined) schema.maximum = num(o, 'max')
      return
    case 'isFloat': case 'isNumeric': case 'isDecimal':
      schema.type = 'number'
      return
    case 'isBoolean':
      schema.type = 'boolean'
      return
    case 'isIn':
      if (Array.isArray(o)) schema.enum = [...o]
      break
    case 'isLength':
      if (num(o, 'min') !== undefined) schema.minLength = num(o, 'min')
      if (num(o, 'max') !== undefined) schema.maxLength = num(o, 'max')
      break
    case 'isURL': schema.format = 'uri'; break
    case 'isEmail': schema.format = 'email'; break
    case 'isBase64': schema.format = 'byte'; break
    case 'isISO8601': schema.format = 'date-time'; break
    case 'isUUID': schema.format = 'uuid'; break
    case 'isMimeType': schema.format = 'mime-type'; break
  }
  // Other validator.js checks work on strings.
  if (!schema.type && !schema.anyOf) schema.type = 'string'
}

/** Splits express-validator field syntax into segments: `a.b`, `a[*].b`, `a[0]`. */
export function splitField(field: string): string[] {
  return field.replace(/\[(\*|\d+)\]/g, '.$1').split('.').filter((s) => s !== '')
}

/** The documented fields of one chain (one per field name it covers). */
export function describeChain(chain: ValidationChain): FieldDoc[] {
  const builder = (chain as Partial<ValidationChain>).builder
  if (!builder || typeof builder.build !== 'function') return []
  const ctx = builder.build() as unknown as ContextShape
  const schema: SchemaObject = {}
  const messages: string[] = []
  let conditional = false
  let rejectsUndefined = false
  let types: Set<JsonType> | undefined
  let itemTypes = new Set<JsonType>()

  for (const item of ctx.stack) {
    const kind = item.constructor.name
    if (kind === 'ChainCondition' || kind === 'CustomCondition') conditional = true
    if (kind !== 'StandardValidation' && kind !== 'CustomValidation') continue
    if (typeof item.message === 'string' && !GENERIC_MESSAGES.has(item.message)) messages.push(item.message)
    if (kind === 'StandardValidation') {
      // Standard validators see '' for a missing value; all but a negated few reject it.
      if (!item.negated) {
        rejectsUndefined = true
        standardHints(item.validator?.name ?? '', item.options ?? [], schema)
      } else if (item.validator?.name === 'isEmpty') {
        schema.minLength = Math.max(schema.minLength ?? 0, 1)
        rejectsUndefined = true
      }
      continue
    }
    if (item.validator && item.validator.length >= 2) {
      const note = item.negated ? undefined : thrownFor(item.validator, undefined)
      if (note) messages.push(note)
      continue
    }
    const found = probe(item)
    if (!found) continue
    if (!found.acceptsUndefined) rejectsUndefined = true
    if (found.types.size >= ALL_TYPES.length - 1) continue // admits every scalar (e.g. "not an array"): says nothing of the type
    types = types ? new Set([...types].filter((t) => found.types.has(t))) : found.types
    if (found.itemTypes.size > 0) itemTypes = found.itemTypes
  }

  if (types && !schema.type) Object.assign(schema, typeSchema(types, itemTypes))
  if (schema.type === 'integer' && types?.has('number')) schema.type = 'number'
  const unique = [...new Set(messages)]
  if (unique.length > 0) schema.description = unique.join('; ')
  const required = ctx.optional === false && !conditional && rejectsUndefined
  return ctx.fields.map((field) => ({ locations: ctx.locations, segments: splitField(field), required, schema: { ...schema } }))
}

/** Merges what a second chain says about the same field into the first one's schema. */
export function mergeSchema(into: SchemaObject, from: SchemaObject): void {
  for (const [k, v] of Object.entries(from) as Array<[keyof SchemaObject, unknown]>) {
    if (k === 'description' && into.description && typeof v === 'string' && !into.description.includes(v)) {
      into.description = `${into.description}; ${v}`
    } else if (k === 'properties' || k === 'required') {
      continue
    } else if (into[k] === undefined) {
      ;(into as Record<string, unknown>)[k] = v
    }
  }
}

/** Puts a field at its nested path inside an object schema (creating parents, array items). */
export function placeField(root: SchemaObject, segments: string[], leaf: SchemaObject, required: boolean): void {
  let node = root
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1
    if (seg === '*' || /^\d+$/.test(seg)) {
      if (!node.type && !node.anyOf) node.type = 'array'
      node.items ??= {}
      if (last) mergeSchema(node.items, leaf)
      node = node.items
      return
    }
    if (!node.type && !node.anyOf) node.type = 'object'
    node.properties ??= {}
    const child = (node.properties[seg] ??= {})
    if (last) {
      mergeSchema(child, leaf)
      if (required && !(node.required ??= []).includes(seg)) node.required.push(seg)
    }
    node = child
  })
}
