// Send: text or media (URL or uploaded file) to one number or several. Several numbers start a
// bulk batch whose progress arrives over Socket.IO (`send-progress`, `send-complete`).
import { api, get, post } from './api.js'
import { $, failText, h, prettyJid, setStatus, splitList } from './dom.js'
import * as live from './live.js'
import { state } from './state.js'

/** Latest progress per batch: events may arrive before the HTTP answer that names the batch. */
const batches = new Map()
let shownBatch = null

function showProgress(p) {
  const box = $('#send-progress')
  box.hidden = false
  const bar = $('#send-progress-bar')
  bar.max = p.total || 1
  bar.value = p.done ?? p.total ?? 0
  const failed = p.failed ? `, ${p.failed} failed` : ''
  const finished = p.complete ? ' — finished' : ''
  $('#send-progress-label').textContent = `${p.done ?? 0} of ${p.total} sent${failed}${finished}`
  if (p.lastResult && !p.lastResult.ok) {
    setStatus($('#send-status'), 'error', `${p.lastResult.number}: ${p.lastResult.error ?? 'failed'}`)
  }
}

function track(p) {
  const prev = batches.get(p.batchId) ?? {}
  const next = { ...prev, ...p }
  batches.set(p.batchId, next)
  if (p.batchId === shownBatch) showProgress(next)
}

const kind = () => $('input[name=kind]:checked').value
const source = () => $('input[name=source]:checked').value

function syncFields() {
  const media = kind() === 'media'
  $('#send-text-field').hidden = media
  $('#send-media-fields').hidden = !media
  $('#send-url-field').hidden = source() !== 'url'
  $('#send-file-field').hidden = source() !== 'file'
}

/** Builds the request for the form's current values, or {error}. */
function buildRequest(token) {
  const numbers = splitList($('#send-numbers').value)
  if (numbers.length === 0) return { error: 'Enter at least one number.' }
  const number = numbers.length === 1 ? numbers[0] : numbers
  if (kind() === 'text') {
    const text = $('#send-text').value
    if (!text.trim()) return { error: 'Write a message.' }
    return { path: '/api/whatsapp/send-text', body: { token, number, text } }
  }
  const fields = { type: $('#send-media-type').value, caption: $('#send-caption').value || undefined, fileName: $('#send-filename').value || undefined }
  if (source() === 'url') {
    const url = $('#send-url').value.trim()
    if (!url) return { error: 'Enter the media URL.' }
    return { path: '/api/whatsapp/send-media', body: { token, number, url, ...fields } }
  }
  const file = $('#send-file').files[0]
  if (!file) return { error: 'Choose a file to send.' }
  const form = new FormData()
  form.append('token', token)
  // A form field is text: several numbers go as a JSON array, which the server parses.
  form.append('number', Array.isArray(number) ? JSON.stringify(number) : number)
  for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v)
  form.append('file', file, file.name)
  return { path: '/api/whatsapp/send-media', body: form }
}

async function send(event) {
  event.preventDefault()
  const status = $('#send-status')
  const token = state.selected
  if (!token) return setStatus(status, 'error', 'Create or pick an instance first.')
  const req = buildRequest(token)
  if (req.error) return setStatus(status, 'error', req.error)
  const button = $('#send-form button[type=submit]')
  button.disabled = true
  $('#send-progress').hidden = true
  shownBatch = null
  setStatus(status, 'info', 'Sending…')
  try {
    const res = await api('POST', req.path, req.body)
    if (!res.ok) return setStatus(status, 'error', failText(res, 'Sending'))
    if (res.data?.batchId) {
      shownBatch = res.data.batchId
      setStatus(status, 'ok', `Bulk send started: ${res.data.total ?? ''} messages (batch ${res.data.batchId}).`)
      showProgress(batches.get(shownBatch) ?? { batchId: shownBatch, done: 0, total: res.data.total })
    } else {
      const to = res.data?.key?.remoteJid ? ` to ${prettyJid(res.data.key.remoteJid)}` : ''
      setStatus(status, 'ok', `Sent${to}${res.data?.key?.id ? ` (id ${res.data.key.id})` : ''}.`)
    }
  } finally {
    button.disabled = false
  }
}

/** In sandbox mode, the simulated contacts become one-click recipients. */
async function loadContacts() {
  const box = $('#send-contacts')
  if (!state.sandbox) return (box.hidden = true)
  const res = await get('/api/sandbox/contacts')
  const contacts = res.ok ? res.data ?? [] : []
  box.hidden = contacts.length === 0
  box.replaceChildren(
    h('span', { class: 'muted small' }, 'Simulated contacts:'),
    ...contacts.map((c) =>
      h('button', {
        type: 'button', class: 'chip', title: `Add ${c.number}`,
        onclick: () => {
          const area = $('#send-numbers')
          const list = splitList(area.value)
          if (!list.includes(c.number)) area.value = [...list, c.number].join('\n')
        },
      }, c.name ? `${c.name} (+${c.number})` : `+${c.number}`)),
  )
}

export function showSend() {
  void loadContacts()
}

export function initSend() {
  $('#send-form').addEventListener('submit', send)
  $('#send-form').addEventListener('change', syncFields)
  syncFields()
  live.on('send-progress', track)
  live.on('send-complete', (p) => track({ ...p, done: p.total, complete: true }))
}

export const sendTextTo = (token, number, text) => post('/api/whatsapp/send-text', { token, number, text })
