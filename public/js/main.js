// Dashboard entry: sign-in with the AUTH key, tabs, the instance picker, live status, and the
// sections (each in its own module).
import { api, authKey, get, setUnauthorizedHandler } from './api.js'
import { $, $$, h, setStatus } from './dom.js'
import { initChats, showChats } from './chats.js'
import { initInstances, loadInstances } from './instances.js'
import * as live from './live.js'
import { initScheduler, showScheduler } from './scheduler.js'
import { initSend, showSend } from './send.js'
import { notify, select, state, subscribe } from './state.js'
import { initWebhook, showWebhook } from './webhook.js'

const TABS = { instances: () => {}, send: showSend, chats: showChats, scheduler: showScheduler, webhook: showWebhook }

function showTab(name) {
  if (!(name in TABS)) name = 'instances'
  for (const tab of $$('[role=tab]')) {
    const active = tab.dataset.tab === name
    tab.setAttribute('aria-selected', String(active))
    tab.tabIndex = active ? 0 : -1
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !active
  }
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`)
  TABS[name]()
}

function renderPicker() {
  const sel = $('#instance-select')
  const options = [...state.instances.values()].map((i) =>
    h('option', { value: i.token, selected: i.token === state.selected }, `${i.token} — ${i.state}`))
  sel.replaceChildren(...(options.length ? options : [h('option', { value: '' }, 'no instances')]))
  sel.disabled = options.length === 0
  for (const el of $$('[data-current-token]')) el.textContent = state.selected ? `· ${state.selected}` : ''
}

let wasLive = false

function setLive(status) {
  // Events may have been missed while offline: catch up from the API after a reconnect.
  if (status === 'live' && wasLive) void loadInstances()
  if (status === 'live') wasLive = true
  const el = $('#live-status')
  el.dataset.state = status
  el.textContent = { live: 'live', connecting: 'connecting…', offline: 'offline' }[status] ?? status
}

function showLogin(message) {
  live.disconnect()
  $('#app-view').hidden = true
  $('#login-view').hidden = false
  setStatus($('#login-error'), 'error', message)
  $('#login-key').focus()
}

function signOut(message) {
  wasLive = false
  authKey.clear()
  state.instances.clear()
  state.selected = null
  notify('instances')
  showLogin(message)
}

/** Tries the key against the API; only a key the server accepts is kept. */
async function signIn(key) {
  const res = await api('GET', '/api/whatsapp/instances', undefined, { key })
  if (res.status === 401) return showLogin('Wrong AUTH key: the server refused it (401 unauthorized). Check the AUTH value in the server\'s .env.')
  if (!res.ok) return showLogin(res.message || 'The server could not be reached.')
  authKey.set(key)
  $('#login-view').hidden = true
  $('#app-view').hidden = false
  setStatus($('#login-error'))
  live.connect(key, { onStatus: setLive, onUnauthorized: (m) => signOut(`Wrong AUTH key: ${m}`) })
  const sandbox = await get('/api/sandbox/contacts')
  state.sandbox = sandbox.ok
  $('#sandbox-badge').hidden = !state.sandbox
  await loadInstances()
  showTab(location.hash.slice(1))
}

function init() {
  initInstances()
  initSend()
  initChats()
  initScheduler()
  initWebhook()
  subscribe(renderPicker)
  setUnauthorizedHandler((m) => signOut(`Signed out: ${m ?? 'the server refused the AUTH key'}`))

  $('#login-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const key = $('#login-key').value
    if (!key) return setStatus($('#login-error'), 'error', 'Enter the AUTH key.')
    void signIn(key)
  })
  $('#logout').addEventListener('click', () => signOut())
  $('#instance-select').addEventListener('change', (e) => select(e.target.value))
  const tabs = $$('[role=tab]')
  for (const tab of tabs) {
    tab.addEventListener('click', () => showTab(tab.dataset.tab))
    // Arrow keys move between tabs, as in the WAI-ARIA tabs pattern.
    tab.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
      if (!step) return
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length]
      next.focus()
      showTab(next.dataset.tab)
    })
  }
  renderPicker()
  const saved = authKey.get()
  if (saved) void signIn(saved)
  else showLogin()
}

init()
