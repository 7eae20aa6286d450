// The failures each route documents besides 400 (invalid input) and 401 (auth), all answered as
// the error envelope {status: false, message}. Derived from what the route takes and does, so a
// new route gets them without anyone listing it.
import type { RouteDef } from '../route.js'

const NEEDS_OPEN = /\/(send-[a-z-]+|edit-message|delete-for-every-one|is-exists|get-profile-picture|read-messages|download-media|group-[a-z-]+)$|^\/sandbox\/(contacts\/:number\/send|logout)$/
const CALLS_WHATSAPP = /\/(group-[a-z-]+|get-profile-picture|scheduler\/run-now|download-media)$/

/** Status → description for one route; `fields` are its input field names (from its validators). */
export function routeErrors(r: Pick<RouteDef, 'method' | 'path'>, fields: string[]): Record<string, string> {
  const takesToken = r.path.includes(':token') || fields.includes('token')
  const out: Record<string, string> = {}
  // create-instance makes the instance it names, so it cannot miss it.
  if ((takesToken && !r.path.endsWith('/create-instance')) || /:id\b/.test(r.path)) out['404'] = 'Unknown instance (or batch, scheduled job, delivery, group) — the message says which'
  if (NEEDS_OPEN.test(r.path)) out['409'] = 'The instance is not connected (state is not open)'
  else if (/add-scheduler$|\/cancel$|\/replay$|\/store\//.test(r.path)) out['409'] = 'Conflict: the id exists, the batch or delivery is already finished, or the store is off'
  if (r.method === 'post' || r.method === 'put') {
    out['413'] = 'The body is larger than the server accepts'
    out['415'] = 'The body is not JSON, a form or multipart'
  }
  if (CALLS_WHATSAPP.test(r.path)) out['502'] = 'WhatsApp did not answer or refused the request'
  return out
}
