// Webhook: set or remove the selected instance's URL, events and secret; list recent deliveries
// (pending, delivered or dead, with the receiver's last answer), refreshed live.
import { api, enc, get, post } from './api.js'
import { $, failText, formatTime, h, setStatus, splitList } from './dom.js'
import * as live from './live.js'
import { state, subscribe } from './state.js'

const base = () => `/api/whatsapp/instances/${enc(state.selected)}/webhook`
const RESULT = { delivered: ['Delivered', 'open'], pending: ['Pending', 'qr'], dead: ['Failed', 'failed'] }

/** Prefills the form from the current settings (the secret itself is never shown). */
async function loadSettings() {
  const res = await get(base())
  $('#webhook-remove').hidden = !res.ok
  if (!res.ok || !res.data) return
  $('#webhook-url').value = res.data.url ?? ''
  $('#webhook-events').value = (res.data.events ?? []).join(', ')
  $('#webhook-secret').placeholder = res.data.hasSecret ? 'set (type to replace)' : ''
}

function renderDeliveries(rows) {
  const body = $('#deliveries-table tbody')
  if (rows.length === 0) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'muted empty' }, 'No deliveries yet.')))
    return
  }
  body.replaceChildren(...rows.map((d) => {
    const [label, tone] = RESULT[d.status] ?? [d.status ?? '?', '']
    const http = d.lastStatus ? ` · HTTP ${d.lastStatus}` : ''
    return h('tr', {},
      h('td', {}, formatTime(d.updatedAt ?? d.createdAt)),
      h('td', { class: 'mono' }, d.event ?? ''),
      h('td', {}, h('span', { class: 'badge', dataset: { state: tone } }, label), h('span', { class: 'muted small' }, http)),
      h('td', {}, String(d.attempts ?? '')),
      h('td', { class: 'small clip', title: d.lastError ?? d.lastAnswer ?? '' }, d.lastError ?? d.lastAnswer ?? ''))
  }))
}

export async function loadDeliveries() {
  const status = $('#deliveries-status')
  if (!state.selected) {
    renderDeliveries([])
    return setStatus(status, 'info', 'Create or pick an instance first.')
  }
  const res = await get(`${base()}/deliveries?limit=20`)
  if (!res.ok) {
    renderDeliveries([])
    return setStatus(status, 'error', failText(res, 'Webhook deliveries'))
  }
  setStatus(status)
  renderDeliveries(Array.isArray(res.data) ? res.data : [])
}

async function save(event) {
  event.preventDefault()
  const status = $('#webhook-status')
  if (!state.selected) return setStatus(status, 'error', 'Create or pick an instance first.')
  const url = $('#webhook-url').value.trim()
  const secret = $('#webhook-secret').value
  const events = splitList($('#webhook-events').value)
  const body = { url, ...(events.length ? { events } : {}), ...(secret ? { secret } : {}) }
  const button = $('#webhook-form button[type=submit]')
  button.disabled = true
  const res = await post(base(), body)
  button.disabled = false
  if (!res.ok) return setStatus(status, 'error', failText(res, 'Saving the webhook'))
  $('#webhook-secret').value = ''
  setStatus(status, 'ok', `Saved: ${(res.data?.events ?? events).join(', ')} events go to ${res.data?.url ?? url}.`)
  void loadSettings()
  void loadDeliveries()
}

async function remove() {
  const res = await api('DELETE', base())
  if (!res.ok) return setStatus($('#webhook-status'), 'error', failText(res, 'Removing the webhook'))
  $('#webhook-form').reset()
  $('#webhook-remove').hidden = true
  setStatus($('#webhook-status'), 'ok', 'Webhook removed.')
}

export function showWebhook() {
  if (state.selected) void loadSettings()
  void loadDeliveries()
}

export function initWebhook() {
  $('#webhook-form').addEventListener('submit', save)
  $('#webhook-remove').addEventListener('click', () => void remove())
  $('#deliveries-refresh').addEventListener('click', () => void loadDeliveries())
  live.on('webhook-delivery', (p) => { if (p.token === state.selected && !$('#section-webhook').hidden) void loadDeliveries() })
  subscribe((what) => {
    if (what !== 'selected') return
    $('#webhook-form').reset()
    setStatus($('#webhook-status'))
    if (!$('#section-webhook').hidden) showWebhook()
  })
}
