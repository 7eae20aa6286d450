// Instances: list with live state, create (QR or pairing code), the live QR image, restart,
// delete, and in sandbox mode buttons that make the simulated phone scan the QR or enter the code.
import { enc, get, post } from './api.js'
import { $, failText, h, prettyJid, setStatus } from './dom.js'
import * as live from './live.js'
import { removeInstance, select, state, subscribe, upsertInstance } from './state.js'

const STATE_TEXT = {
  connecting: 'Connecting…', qr: 'Waiting for scan', open: 'Connected', closed: 'Closed',
  'logged-out': 'Logged out', failed: 'Failed',
}
const cards = new Map()
/** The instance the create form last reported on: its message follows it until it connects. */
let lastCreated = null

export async function loadInstances() {
  const res = await get('/api/whatsapp/instances')
  if (!res.ok) return setStatus($('#instances-status'), 'error', failText(res, 'Listing instances'))
  setStatus($('#instances-status'))
  const known = new Set((res.data ?? []).map((i) => i.token))
  for (const token of [...state.instances.keys()]) if (!known.has(token)) removeInstance(token)
  for (const i of res.data ?? []) upsertInstance(i.token, { state: i.state, user: i.user ?? null })
  await Promise.all((res.data ?? []).filter((i) => i.state === 'qr').map((i) => fetchQr(i.token)))
  render()
}

/** The QR that was shown before the page loaded (later ones arrive over Socket.IO). */
async function fetchQr(token) {
  const res = await get(`/api/whatsapp/instances/${enc(token)}/qr`, { accept: 'application/json' })
  if (res.ok && res.data?.dataUrl) upsertInstance(token, { qr: res.data.dataUrl })
}

function actionButton(label, className, onclick) {
  return h('button', { type: 'button', class: className, onclick }, label)
}

/** Runs an instance action with its button disabled, and reports the outcome on the card. */
async function run(card, button, work) {
  button.disabled = true
  try {
    const message = await work()
    setStatus($('.card-status', card), message?.error ? 'error' : 'info', message?.error ?? message?.info ?? '')
  } finally {
    button.disabled = false
  }
}

function buildCard(token) {
  const card = h('article', { class: 'card instance', dataset: { token }, 'aria-label': `Instance ${token}` })
  const scan = actionButton('Scan with the simulated phone', 'primary scan-btn', () =>
    run(card, scan, async () => {
      const res = await post('/api/sandbox/scan', { token })
      if (!res.ok) return { error: failText(res, 'Simulated scan') }
      if (state.instances.get(token)?.state === 'open') return { info: '' }
      return { info: `Scanned by the simulated phone ${res.data?.phone ? `+${res.data.phone}` : ''}; linking…` }
    }))
  const enterCode = actionButton('Enter the code on the simulated phone', 'primary pair-btn', () =>
    run(card, enterCode, async () => {
      const res = await post('/api/sandbox/pair', { token, code: state.instances.get(token)?.pairingCode ?? '' })
      if (!res.ok) return { error: failText(res, 'Simulated pairing') }
      if (state.instances.get(token)?.state === 'open') return { info: '' }
      return { info: `Code entered on the simulated phone +${res.data?.phone ?? ''}; linking…` }
    }))
  const restart = actionButton('Restart', 'ghost', () =>
    run(card, restart, async () => {
      const res = await post(`/api/whatsapp/instances/${enc(token)}/restart`)
      if (!res.ok) return { error: failText(res, 'Restart') }
      upsertInstance(token, { state: res.data?.state ?? 'connecting' })
      return { info: 'Restarting…' }
    }))
  const del = actionButton('Delete', 'danger', () => {
    // Two clicks: the first arms the button, so a stray click never wipes credentials.
    if (del.dataset.armed !== 'yes') {
      del.dataset.armed = 'yes'
      del.textContent = 'Confirm delete'
      setTimeout(() => { del.dataset.armed = ''; del.textContent = 'Delete' }, 4000)
      return
    }
    return run(card, del, async () => {
      const res = await post('/api/whatsapp/delete-credential', { token })
      if (!res.ok) return { error: failText(res, 'Delete') }
      removeInstance(token)
      return { info: 'Deleted' }
    })
  })
  const use = actionButton('Select', 'ghost use-btn', () => select(token))
  card.append(
    h('header', { class: 'instance-head' }, h('h3', {}, token), h('span', { class: 'badge state' })),
    h('p', { class: 'user muted' }),
    h('figure', { class: 'qr-box', hidden: true },
      h('img', { class: 'qr', alt: `QR code to link instance ${token}`, width: 220, height: 220 }),
      h('figcaption', { class: 'muted small' }, 'On the phone: WhatsApp › Linked devices › Link a device, then scan. It refreshes by itself.')),
    h('div', { class: 'pair-box', hidden: true },
      h('p', { class: 'muted small' }, 'Pairing code — on the phone: Linked devices › Link with phone number'),
      h('output', { class: 'pair-code', 'aria-label': 'Pairing code' })),
    h('p', { class: 'last-error small', hidden: true }),
    h('div', { class: 'actions' }, scan, enterCode, use, restart, del),
    h('p', { class: 'card-status status', role: 'status', hidden: true }),
  )
  return card
}

function updateCard(card, inst) {
  const badge = $('.state', card)
  badge.textContent = inst.state === 'qr' && inst.pairingCode ? 'Waiting for code' : STATE_TEXT[inst.state] ?? inst.state
  badge.dataset.state = inst.state
  const user = $('.user', card)
  user.textContent = inst.user?.id ? `${prettyJid(inst.user.id)}${inst.user.name ? ` · ${inst.user.name}` : ''}` : ''
  user.hidden = !user.textContent
  // "Scanned…", "Restarting…" are done once the state moves on.
  if (card.dataset.state !== inst.state) setStatus($('.card-status', card))
  card.dataset.state = inst.state
  const qrBox = $('.qr-box', card)
  qrBox.hidden = !inst.qr
  if (inst.qr && $('.qr', card).src !== inst.qr) $('.qr', card).src = inst.qr
  $('.pair-box', card).hidden = !inst.pairingCode
  // WhatsApp shows the 8-character code as two groups of four.
  $('output', card).textContent = (inst.pairingCode ?? '').replace(/^(\w{4})(\w{4})$/, '$1-$2')
  const err = $('.last-error', card)
  err.hidden = !(inst.lastError && inst.state !== 'open')
  err.textContent = inst.lastError ? `Last error: ${inst.lastError}` : ''
  $('.scan-btn', card).hidden = !(state.sandbox && inst.qr)
  $('.pair-btn', card).hidden = !(state.sandbox && inst.pairingCode)
  $('.use-btn', card).hidden = state.selected === inst.token
  card.classList.toggle('selected', state.selected === inst.token)
}

function render() {
  const list = $('#instance-list')
  if (lastCreated && state.instances.get(lastCreated)?.state === 'open') {
    setStatus($('#create-status'), 'ok', `Instance "${lastCreated}" is connected.`)
    lastCreated = null
  }
  for (const [token, card] of cards) {
    if (!state.instances.has(token)) {
      card.remove()
      cards.delete(token)
    }
  }
  for (const inst of state.instances.values()) {
    let card = cards.get(inst.token)
    if (!card) {
      card = buildCard(inst.token)
      cards.set(inst.token, card)
      list.append(card)
    }
    updateCard(card, inst)
  }
  if (state.instances.size === 0) {
    list.replaceChildren(h('p', { class: 'empty muted' }, 'No instances yet. Create one above, then link it with a phone.'))
  } else $('.empty', list)?.remove()
}

async function create(event) {
  event.preventDefault()
  const form = event.currentTarget
  const status = $('#create-status')
  const token = $('#create-token').value.trim()
  const usePhone = $('#create-use-code').checked
  const phone = $('#create-phone').value.trim()
  if (!token) return setStatus(status, 'error', 'Enter a token: it names the instance (letters, digits, - or _).')
  if (usePhone && !phone) return setStatus(status, 'error', 'Enter the phone number to link, in international format.')
  const button = $('button[type=submit]', form)
  button.disabled = true
  setStatus(status, 'info', usePhone ? 'Asking WhatsApp for a pairing code…' : 'Starting…')
  try {
    const res = await post('/api/whatsapp/create-instance', usePhone ? { token, phone } : { token })
    if (!res.ok) return setStatus(status, 'error', failText(res, 'Creating the instance'))
    upsertInstance(token, { state: res.data.state, user: res.data.user, pairingCode: res.data.pairingCode ?? null })
    select(token)
    const d = res.data
    lastCreated = d.state === 'open' ? null : token
    setStatus(status, 'ok', d.pairingCode ? `Instance "${token}" started: enter its pairing code on the phone.`
      : d.state === 'open' ? `Instance "${token}" is already connected.`
        : `Instance "${token}" started: link it by scanning its QR below.`)
    form.reset()
    $('#create-phone-field').hidden = true
  } finally {
    button.disabled = false
  }
}

export function initInstances() {
  $('#create-form').addEventListener('submit', create)
  $('#create-use-code').addEventListener('change', (e) => { $('#create-phone-field').hidden = !e.target.checked })
  subscribe(render)
  live.on('qrcode', (p) => upsertInstance(p.token, { state: 'qr', qr: p.data }))
  live.on('pairing-code', (p) => upsertInstance(p.token, { state: 'qr', pairingCode: p.code }))
  live.on('connection-state', (p) =>
    upsertInstance(p.token, { state: p.state, ...(p.user ? { user: p.user } : {}), lastError: p.reason ?? null }))
  live.on('connection-open', (p) => upsertInstance(p.token, { state: 'open', user: p.user, lastError: null }))
  live.on('logged-out', (p) => upsertInstance(p.token, { state: 'logged-out', lastError: p.reason }))
  live.on('qr-timeout', (p) => upsertInstance(p.token, { lastError: `QR not scanned after ${p.attempts} codes; press Restart to try again` }))
}
