// Scheduler: the selected instance's jobs, add (the server's 400 message shown inline), stop.
import { post } from './api.js'
import { $, failText, formatTime, h, setStatus } from './dom.js'
import * as live from './live.js'
import { state, subscribe } from './state.js'

/** Numeric ids stay numbers (the seed's scheduler used numbers); anything else is a string. */
const idValue = (raw) => (/^\d+$/.test(raw) ? Number(raw) : raw)

function renderJobs(jobs) {
  const body = $('#jobs-table tbody')
  if (jobs.length === 0) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'muted empty' }, 'No scheduled jobs for this instance.')))
    return
  }
  body.replaceChildren(...jobs.map((job) => {
    const stop = h('button', {
      type: 'button', class: 'danger small-btn', 'aria-label': `Stop job ${job.id}`,
      onclick: async () => {
        stop.disabled = true
        const res = await post('/api/whatsapp/scheduler/stop-scheduler', { id: job.id, token: state.selected })
        stop.disabled = false
        if (!res.ok) return setStatus($('#jobs-status'), 'error', failText(res, 'Stopping the job'))
        setStatus($('#jobs-status'), 'ok', res.data?.message ?? `Job ${job.id} stopped`)
        void loadJobs()
      },
    }, 'Stop')
    const last = job.lastRun ? `${formatTime(job.lastRun.at)} ${job.lastRun.ok ? '✓' : `✗ ${job.lastRun.error ?? ''}`}` : '—'
    return h('tr', {},
      h('td', { class: 'mono' }, String(job.id)),
      h('td', {}, job.type, h('div', { class: 'muted small mono clip', title: JSON.stringify(job.data) }, JSON.stringify(job.data))),
      h('td', { class: 'mono' }, job.time, job.timezone ? h('div', { class: 'muted small' }, job.timezone) : null),
      h('td', {}, job.active === false ? h('span', { class: 'badge', dataset: { state: 'failed' } }, job.error ?? 'inactive') : formatTime(job.nextRun) || '—'),
      h('td', {}, last),
      h('td', {}, stop))
  }))
}

export async function loadJobs() {
  const status = $('#jobs-status')
  if (!state.selected) {
    renderJobs([])
    return setStatus(status, 'info', 'Create or pick an instance first.')
  }
  const res = await post('/api/whatsapp/scheduler', { token: state.selected })
  if (!res.ok) {
    renderJobs([])
    return setStatus(status, 'error', failText(res, 'The scheduler'))
  }
  setStatus(status)
  renderJobs(Array.isArray(res.data) ? res.data : [])
}

async function add(event) {
  event.preventDefault()
  const status = $('#scheduler-status')
  if (!state.selected) return setStatus(status, 'error', 'Create or pick an instance first.')
  let data
  try {
    data = JSON.parse($('#job-data').value)
  } catch (err) {
    return setStatus(status, 'error', `data: not valid JSON (${err.message})`)
  }
  const timezone = $('#job-tz').value.trim()
  const job = {
    id: idValue($('#job-id').value.trim()), token: state.selected, type: $('#job-type').value.trim(), data,
    time: $('#job-time').value.trim(), ...(timezone ? { timezone } : {}),
  }
  const button = $('#scheduler-form button[type=submit]')
  button.disabled = true
  const res = await post('/api/whatsapp/scheduler/add-scheduler', job)
  button.disabled = false
  if (!res.ok) return setStatus(status, 'error', failText(res, 'Adding the job'))
  setStatus(status, 'ok', `Job ${job.id} scheduled.`)
  if (Array.isArray(res.data)) renderJobs(res.data)
  else void loadJobs()
}

export function showScheduler() {
  void loadJobs()
}

export function initScheduler() {
  $('#scheduler-form').addEventListener('submit', add)
  $('#jobs-refresh').addEventListener('click', () => void loadJobs())
  live.on('scheduler-run', (p) => { if (p.token === state.selected && !$('#section-scheduler').hidden) void loadJobs() })
  subscribe((what) => { if (what === 'selected' && !$('#section-scheduler').hidden) void loadJobs() })
}
