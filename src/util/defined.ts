// Libraries that merge options with `{ ...defaults, ...options }` (Baileys does) let an explicit
// `undefined` override their default: pass only the keys that have a value.

export type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> }

/** A shallow copy of `options` without the keys whose value is undefined. */
export function definedOnly<T extends object>(options: T): Partial<Defined<T>> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) out[key] = value
  }
  return out as Partial<Defined<T>> // only keys of T were copied, none undefined
}
