// What the caller's key may see: the admin key (AUTH) sees everything; a scoped API key sees the
// instance tokens its patterns match ("sales", "sales-*", "*"). Routes read it with scopeOf(req);
// services get the allowed tokens (a predicate), never the key itself.
import type { Request } from 'express'

export interface Scope {
  admin: boolean
  /** The API key's id (undefined for the admin key). */
  keyId?: string
  allows(token: string): boolean
}

/** A token pattern: an exact token, a prefix ending in `*`, or `*` for every token. */
export const TOKEN_PATTERN = /^(\*|[A-Za-z0-9_-]{1,64}\*?)$/

export function matchesPattern(token: string, pattern: string): boolean {
  if (pattern === '*') return true
  return pattern.endsWith('*') ? token.startsWith(pattern.slice(0, -1)) : token === pattern
}

export const ADMIN_SCOPE: Scope = { admin: true, allows: () => true }
const NO_SCOPE: Scope = { admin: false, allows: () => false }

export function keyScope(keyId: string, patterns: readonly string[]): Scope {
  return { admin: false, keyId, allows: (token) => patterns.some((p) => matchesPattern(token, p)) }
}

const scopes = new WeakMap<Request, Scope>()

export function setScope(req: Request, scope: Scope): void {
  scopes.set(req, scope)
}

/** The scope the auth middleware gave this request; a request it never saw may see nothing. */
export function scopeOf(req: Request): Scope {
  return scopes.get(req) ?? NO_SCOPE
}
