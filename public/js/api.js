// REST client: every call carries `Authorization: Basic base64(key + ":")` and resolves to
// {ok, status, data, message} from the gateway's {status, data} / {status:false, message} envelope.

const KEY = 'wagw.authKey'

export const authKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
}

/** UTF-8 safe base64 (btoa alone throws on non-Latin-1 keys). */
function base64(text) {
  let bin = ''
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b)
  return btoa(bin)
}

export const basicHeader = (key) => `Basic ${base64(`${key}:`)}`

let onUnauthorized = () => {}
/** Called when the server answers 401 to a signed-in call (the key changed or was wrong). */
export const setUnauthorizedHandler = (fn) => { onUnauthorized = fn }

/**
 * api('POST', '/api/whatsapp/send-text', {token, number, text}). A FormData body is sent as
 * multipart; anything else as JSON. `key` overrides the stored key (used to try a login).
 */
export async function api(method, path, body, { key = authKey.get(), accept } = {}) {
  const headers = { authorization: basicHeader(key ?? '') }
  if (accept) headers.accept = accept
  let payload
  if (body instanceof FormData) payload = body
  else if (body !== undefined) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let res
  try {
    // `omit`: a refused key must come back as a 401 to show, not as the browser's own Basic
    // login prompt (browsers only prompt when the request may use stored credentials).
    res = await fetch(path, { method, headers, body: payload, credentials: 'omit' })
  } catch (err) {
    return { ok: false, status: 0, message: `cannot reach the server (${err.message})` }
  }
  let json
  try {
    json = await res.json()
  } catch {
    json = undefined
  }
  if (res.status === 401 && key === authKey.get()) onUnauthorized(json?.message)
  if (json && typeof json === 'object' && 'status' in json) {
    if (json.status === true && res.ok) return { ok: true, status: res.status, data: json.data }
    return { ok: false, status: res.status, message: json.message ?? `HTTP ${res.status}`, data: json.data }
  }
  return { ok: false, status: res.status, message: `unexpected answer (HTTP ${res.status})` }
}

export const post = (path, body) => api('POST', path, body)
export const get = (path, opts) => api('GET', path, undefined, opts)
export const enc = encodeURIComponent
