// Small DOM helpers shared by every section: element builder, status lines, time formatting.

/** h('button', {class: 'x', onclick}, 'text', child) → element. Text children are never parsed as HTML. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'class') el.className = v
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k in el && typeof v !== 'string') el[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
  return el
}

export const $ = (sel, root = document) => root.querySelector(sel)
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)]

/** Shows `message` in a status line styled as kind ('error' | 'ok' | 'info'); empty hides it. */
export function setStatus(el, kind, message) {
  if (!el) return
  el.hidden = !message
  el.textContent = message ?? ''
  el.className = `status ${kind ?? ''}`
  if (kind === 'error') el.setAttribute('role', 'alert')
  else el.setAttribute('role', 'status')
}

/** The message to show for a failed api() result. */
export function failText(res, what) {
  // The gateway's catch-all 404 ("no route …") means this server does not have the feature.
  if (res.status === 404 && /^no route /.test(res.message ?? '')) {
    return `${what} is not available on this server yet (${res.message})`
  }
  return res.message || `${what} failed (HTTP ${res.status})`
}

/** Seconds, milliseconds, ISO strings or Long-like objects → a short local date/time. */
export function formatTime(ts) {
  if (ts === undefined || ts === null || ts === '') return ''
  let n = typeof ts === 'object' && 'low' in ts ? ts.low : ts
  if (typeof n === 'string' && /^\d+$/.test(n)) n = Number(n)
  const d = typeof n === 'number' ? new Date(n < 1e12 ? n * 1000 : n) : new Date(n)
  if (Number.isNaN(d.getTime())) return String(ts)
  const today = new Date().toDateString() === d.toDateString()
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })
}

/** `6281234@s.whatsapp.net` → `+6281234`; groups and others are shown as is. */
export function prettyJid(jid) {
  if (!jid) return ''
  const m = /^(\d+)(?::\d+)?@s\.whatsapp\.net$/.exec(jid)
  return m ? `+${m[1]}` : jid
}

/** Splits "a, b\nc" into ['a', 'b', 'c']. */
export const splitList = (text) => text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean)
