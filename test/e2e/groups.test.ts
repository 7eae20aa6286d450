// Groups end to end: HTTP → real Baileys → simulator. Every operation is checked in the
// simulator's own group state (sim.group), not in what our API echoes back.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'socket.io-client'
import { startHarness, waitForEvent, type Harness } from '../helpers/harness.js'
import type { SimContact } from '../../src/simulator/index.js'

const TOKEN = 'groups-e2e'

interface Participant { id: string; admin: 'admin' | 'superadmin' | null }
interface Meta { id: string; subject: string; creation: number; owner: string; restrict: boolean; announce: boolean; desc: string | null; participants: Participant[] }
interface PResult { jid: string; status: number; ok: boolean; error?: string }
interface GroupUpdate { token: string; id: string; action: string; participants?: string[]; update?: Record<string, unknown> }

describe('groups API against the simulator', () => {
  let h: Harness
  let io: Socket
  let me: string
  let a: SimContact
  let b: SimContact
  let c: SimContact
  let groupId = ''

  const call = async <T>(path: string, body: Record<string, unknown>, expect = 200) => {
    const r = await h.api<T>('POST', `/api/whatsapp/${path}`, { token: TOKEN, ...body })
    assert.equal(r.status, expect, `${path} → ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }
  const ok = async <T>(path: string, body: Record<string, unknown>) => (await call<T>(path, body)).data as T
  const simGroup = (id = groupId) => {
    const g = h.sim.group(id)
    assert.ok(g, `simulator has no group ${id}`)
    return g
  }
  const roleIn = (jid: string, id = groupId) => simGroup(id).participants.find((p) => p.jid === jid)?.admin

  before(async () => {
    h = await startHarness()
    ;[a, b, c] = await Promise.all([h.sim.createContact({ name: 'Ann' }), h.sim.createContact({ name: 'Bob' }), h.sim.createContact({ name: 'Cid' })])
    const { phone } = await h.pair(TOKEN)
    me = `${phone}@s.whatsapp.net`
    io = await h.socket({ tokens: [TOKEN] })
  })
  after(async () => { await h?.close() })

  test('group-create with two contacts; group-metadata answers the seed\'s shape with phone-number jids', async () => {
    const created = await ok<Meta>('group-create', { subject: 'Gateway team', participants: [a.number, `+${b.number}`] })
    groupId = created.id
    assert.match(groupId, /^\d+(-\d+)?@g\.us$/)
    const g = simGroup()
    assert.equal(g.subject, 'Gateway team')
    assert.deepEqual(g.participants.map((p) => [p.jid, p.admin]).sort(), [[me, 'superadmin'], [a.jid, null], [b.jid, null]].sort())

    const meta = await ok<Meta>('group-metadata', { number: groupId })
    for (const key of ['id', 'subject', 'creation', 'owner', 'restrict', 'announce', 'participants']) assert.ok(key in meta, `missing ${key}`)
    assert.equal(meta.id, groupId)
    assert.equal(meta.subject, 'Gateway team')
    assert.equal(meta.creation, g.creation)
    assert.equal(meta.owner, me)
    assert.equal(meta.restrict, false)
    assert.equal(meta.announce, false)
    assert.deepEqual(meta.participants.map((p) => [p.id, p.admin]).sort(), [[me, 'superadmin'], [a.jid, null], [b.jid, null]].sort())
    for (const p of meta.participants) assert.match(p.id, /@s\.whatsapp\.net$/)
  })

  test('group-list includes the new group', async () => {
    const list = await ok<Meta[]>('group-list', {})
    const mine = list.find((m) => m.id === groupId)
    assert.ok(mine, `group-list lacks ${groupId}: ${JSON.stringify(list.map((m) => m.id))}`)
    assert.equal(mine.subject, 'Gateway team')
    assert.equal(mine.participants.length, 3)
  })

  test('remove, add, promote, demote each take effect; per-participant results; the remove reaches Socket.IO', async () => {
    const event = waitForEvent<GroupUpdate>(io, 'group-update', (p) => p.id === groupId && p.action === 'remove')
    let r = await ok<PResult[]>('group-participants', { number: groupId, action: 'remove', participants: [b.number] })
    assert.deepEqual(r, [{ jid: b.jid, status: 200, ok: true }])
    assert.equal(roleIn(b.jid), undefined, 'b is still in the group')
    const ev = await event
    assert.equal(ev.token, TOKEN)
    assert.deepEqual(ev.participants, [b.jid])

    r = await ok<PResult[]>('group-participants', { number: groupId, action: 'add', participants: [b.number, c.jid, a.number] })
    assert.deepEqual(r.map((x) => [x.jid, x.status, x.ok]), [[b.jid, 200, true], [c.jid, 200, true], [a.jid, 409, false]])
    assert.match(r[2].error ?? '', /already/)
    assert.equal(roleIn(b.jid), null)
    assert.equal(roleIn(c.jid), null)

    r = await ok<PResult[]>('group-participants', { number: groupId, action: 'promote', participants: [a.number] })
    assert.deepEqual(r, [{ jid: a.jid, status: 200, ok: true }])
    assert.equal(roleIn(a.jid), 'admin')
    const meta = await ok<Meta>('group-metadata', { number: groupId })
    assert.equal(meta.participants.find((p) => p.id === a.jid)?.admin, 'admin')

    r = await ok<PResult[]>('group-participants', { number: groupId, action: 'demote', participants: [a.number] })
    assert.deepEqual(r, [{ jid: a.jid, status: 200, ok: true }])
    assert.equal(roleIn(a.jid), null)
  })

  test('subject, description and settings take effect in the simulator', async () => {
    assert.deepEqual(await ok('group-subject', { number: groupId, subject: 'Renamed team' }), { id: groupId, subject: 'Renamed team' })
    assert.equal(simGroup().subject, 'Renamed team')

    await ok('group-description', { number: groupId, description: 'Where the gateway is built' })
    assert.equal(simGroup().description, 'Where the gateway is built')
    assert.equal((await ok<Meta>('group-metadata', { number: groupId })).desc, 'Where the gateway is built')
    await ok('group-description', { number: groupId, description: '' })
    assert.equal(simGroup().description, undefined)

    await ok('group-settings', { number: groupId, setting: 'announcement' })
    await ok('group-settings', { number: groupId, setting: 'locked' })
    assert.deepEqual([simGroup().announce, simGroup().restrict], [true, true])
    const meta = await ok<Meta>('group-metadata', { number: groupId })
    assert.deepEqual([meta.announce, meta.restrict], [true, true])
    await ok('group-settings', { number: groupId, setting: 'not_announcement' })
    await ok('group-settings', { number: groupId, setting: 'unlocked' })
    assert.deepEqual([simGroup().announce, simGroup().restrict], [false, false])
  })

  test('a subject change by a contact reaches Socket.IO as group-update', async () => {
    const event = waitForEvent<GroupUpdate>(io, 'group-update', (p) => p.id === groupId && p.update?.subject === 'Named by Ann')
    h.sim.groupUpdateSubject(groupId, a.number, 'Named by Ann')
    const ev = await event
    assert.equal(ev.token, TOKEN)
    assert.equal(ev.action, 'update')
  })

  test('invite code: get, revoke (a new code), and the simulator agrees', async () => {
    const first = await ok<{ code: string; link: string }>('group-invite-code', { number: groupId })
    assert.equal(first.code, simGroup().inviteCode)
    assert.equal(first.link, `https://chat.whatsapp.com/${first.code}`)
    const revoked = await ok<{ code: string }>('group-revoke-invite', { number: groupId })
    assert.notEqual(revoked.code, first.code)
    assert.equal(simGroup().inviteCode, revoked.code)
    assert.equal((await ok<{ code: string }>('group-invite-code', { number: groupId })).code, revoked.code)
  })

  test('join by invite link, then leave', async () => {
    const other = h.sim.createGroup(c.number, 'Cid\'s group', [a.number])
    assert.equal(roleIn(me, other.id), undefined)
    const joined = await ok<{ id: string }>('group-join', { code: `https://chat.whatsapp.com/${other.inviteCode}` })
    assert.equal(joined.id, other.id)
    assert.equal(roleIn(me, other.id), null, 'the account is not a member after joining')

    assert.deepEqual(await ok('group-leave', { number: other.id }), { id: other.id, left: true })
    assert.equal(roleIn(me, other.id), undefined, 'the account is still a member after leaving')
    assert.equal(simGroup(other.id).participants.length, 2)
  })

  test('join by bare code works too; a revoked code is refused', async () => {
    const { code: old } = await ok<{ code: string }>('group-invite-code', { number: groupId })
    await ok('group-revoke-invite', { number: groupId })
    const other = h.sim.createGroup(c.number, 'Bare code group', [])
    assert.equal((await ok<{ id: string }>('group-join', { code: other.inviteCode })).id, other.id)
    assert.equal(roleIn(me, other.id), null)
    await ok('group-leave', { number: other.id })
    // the account is in groupId already; a stale code must not be accepted as valid
    const body = await call('group-join', { code: old }, 400)
    assert.match(String(body.message), /group-join/)
  })

  test('bad input is a clear 4xx, never a 500', async () => {
    let body = await call('group-metadata', { number: 'not-a-group' }, 400)
    assert.match(String(body.message), /number: must be a group id/)
    body = await call('group-participants', { number: groupId, action: 'kick', participants: [a.number] }, 400)
    assert.match(String(body.message), /action: must be one of add, remove, promote, demote/)
    body = await call('group-participants', { number: groupId, action: 'add', participants: ['0812345678'] }, 400)
    assert.match(String(body.message), /participants: entry 0: .*local number/)
    body = await call('group-create', { subject: '', participants: [] }, 400)
    assert.match(String(body.message), /subject: must be 1-100 characters/)
    body = await call('group-settings', { number: groupId, setting: 'open' }, 400)
    assert.match(String(body.message), /setting: must be one of/)
    body = await call('group-join', { code: 'https://example.com/x' }, 400)
    assert.match(String(body.message), /code: must be an invite code/)
    body = await call('group-metadata', { number: '120363999999999999@g.us' }, 404)
    assert.match(String(body.message), /group not found/)
    const r = await h.api('POST', '/api/whatsapp/group-list', { token: 'no-such-instance' })
    assert.equal(r.status, 404)
  })
})
