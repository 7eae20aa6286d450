// Ids a keyed send commits to before it runs (see the Idempotency-Key guard in http/): derived from
// a random seed stored with the key, so a run cut by a crash and retried reuses the same WhatsApp
// message id (recipients drop a message id they already have) or finds the bulk batch it created.
import { createHash } from 'node:crypto'

export interface FixedIds {
  /** Id of a single send, shaped like Baileys' own (3EB0 + 18 hex). */
  messageId: string
  /** Id of a bulk batch, UUID-shaped like the random ones. */
  batchId: string
}

const digest = (kind: string, seed: string) => createHash('sha256').update(`${kind}\0${seed}`).digest('hex')

export function fixedIdsFrom(seed: string): FixedIds {
  const b = digest('batch', seed)
  return {
    messageId: '3EB0' + digest('message', seed).slice(0, 18).toUpperCase(),
    batchId: `${b.slice(0, 8)}-${b.slice(8, 12)}-${b.slice(12, 16)}-${b.slice(16, 20)}-${b.slice(20, 32)}`,
  }
}
