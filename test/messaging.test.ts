// Unit tests of the messaging pieces that need no WhatsApp: number → JID, the SSRF address rules,
// media type resolution, the interactive/vcard builders and the shared validators (run the way
// the scheduler runs them: chain.run({ body }) on a plain object).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { validationResult } from 'express-validator'
import { SEND_ACTIONS } from '../src/messaging/actions.js'
import { buildLegacy, buildNative, buildText, type Menu } from '../src/messaging/interactive.js'
import { parseTarget } from '../src/messaging/jid.js'
import { resolveMedia } from '../src/messaging/media-type.js'
import { blockedReason, embeddedIpv4 } from '../src/util/net-guard.js'
import { buildVcard } from '../src/messaging/vcard.js'

describe('parseTarget', () => {
  test('phone numbers in the usual shapes become PN JIDs', () => {
    for (const raw of ['6281234567890', '+62 812-3456-7890', '(62) 812.3456.7890', ' 6281234567890 ', 6281234567890]) {
      assert.deepEqual(parseTarget(raw), { jid: '6281234567890@s.whatsapp.net', kind: 'pn' }, String(raw))
    }
  })

  test('JIDs: user (device suffix dropped, c.us alias), group, LID', () => {
    assert.deepEqual(parseTarget('6281234567890@s.whatsapp.net'), { jid: '6281234567890@s.whatsapp.net', kind: 'pn' })
    assert.deepEqual(parseTarget('6281234567890:12@s.whatsapp.net'), { jid: '6281234567890@s.whatsapp.net', kind: 'pn' })
    assert.deepEqual(parseTarget('6281234567890@c.us'), { jid: '6281234567890@s.whatsapp.net', kind: 'pn' })
    assert.deepEqual(parseTarget('120363041234567890@g.us'), { jid: '120363041234567890@g.us', kind: 'group' })
    assert.deepEqual(parseTarget('6281234567-1600000000@g.us'), { jid: '6281234567-1600000000@g.us', kind: 'group' })
    assert.deepEqual(parseTarget('123456789012345@lid'), { jid: '123456789012345@lid', kind: 'lid' })
  })

  test('refusals say what is wrong', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['', /empty/], [null, /string/], [{}, /string/], ['abc', /not a phone number/], ['0812345678', /international format/],
      ['123', /5-15 digits/], ['1234567890123456', /5-15 digits/], ['62812@s.whatsapp.net:1', /unsupported JID server/],
      ['x@g.us', /group JID/], ['abc@lid', /LID/], ['6281234567890@newsletter', /unsupported JID server/], ['a@s.whatsapp.net', /user JID/],
    ]
    for (const [raw, pattern] of cases) assert.throws(() => parseTarget(raw), pattern, String(raw))
  })
})

describe('SSRF address rules', () => {
  test('private, loopback, link-local, unique-local, CGNAT and reserved addresses are blocked', () => {
    const blocked = [
      '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '100.127.255.254',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1', '192.0.2.1',
      '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.1.1.1', '0:0:0:0:0:ffff:c0a8:0101', '64:ff9b::10.0.0.1', '2002:c0a8:0101::1', '::10.0.0.1',
    ]
    for (const ip of blocked) assert.ok(blockedReason(ip), `${ip} must be blocked`)
  })

  test('public unicast addresses pass, including public IPv4 inside IPv6', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.1', '172.32.0.1', '2606:4700:4700::1111', '2a03:2880:f12f:83:face:b00c::25de', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8']) {
      assert.equal(blockedReason(ip), null, ip)
    }
  })

  test('embedded IPv4 forms are recognised', () => {
    assert.equal(embeddedIpv4('::ffff:7f00:1'), '127.0.0.1')
    assert.equal(embeddedIpv4('::ffff:127.0.0.1'), '127.0.0.1')
    assert.equal(embeddedIpv4('2002:0a00:0001::'), '10.0.0.1')
    assert.equal(embeddedIpv4('2606:4700::1111'), null)
    assert.equal(blockedReason('not-an-ip'), 'not an IP address')
  })
})

describe('resolveMedia', () => {
  test('the seed document types get their mimetype and an extension on the file name', () => {
    assert.deepEqual(resolveMedia({ type: 'pdf' }, { contentType: 'application/octet-stream' }), { kind: 'document', mimetype: 'application/pdf', fileName: 'file.pdf' })
    assert.deepEqual(resolveMedia({ type: 'xlsx', fileName: 'sales' }, {}), { kind: 'document', mimetype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: 'sales.xlsx' })
    assert.deepEqual(resolveMedia({ type: 'mp3' }, { fileName: 'song.mp3' }), { kind: 'document', mimetype: 'audio/mpeg', fileName: 'song.mp3' })
    assert.throws(() => resolveMedia({ type: 'pdf' }, { contentType: 'text/html' }), /HTML page/)
  })

  test('image/video/audio follow the source content type, then the file extension, and refuse a mismatch', () => {
    assert.equal(resolveMedia({ type: 'image' }, { contentType: 'image/png' }).mimetype, 'image/png')
    assert.equal(resolveMedia({ type: 'image' }, { contentType: 'application/octet-stream', fileName: 'a.gif' }).mimetype, 'image/gif')
    assert.equal(resolveMedia({ type: 'video' }, {}).mimetype, 'video/mp4')
    assert.throws(() => resolveMedia({ type: 'image' }, { contentType: 'text/html' }), /text\/html, which cannot be sent as type image/)
    assert.throws(() => resolveMedia({ type: 'sticker' }, { contentType: 'image/png' }), /needs image\/webp/)
    assert.throws(() => resolveMedia({ type: 'image', mimetype: 'video/mp4' }, {}), /does not fit/)
  })

  test('any mimetype without type picks the kind from the mimetype', () => {
    assert.deepEqual(resolveMedia({ mimetype: 'text/csv', fileName: 'a.csv' }, {}), { kind: 'document', mimetype: 'text/csv', fileName: 'a.csv' })
    assert.equal(resolveMedia({ mimetype: 'audio/ogg; codecs=opus' }, {}).kind, 'audio')
  })
})

describe('interactive builders', () => {
  const buttons: Menu = { form: 'buttons', body: 'Continue?', footer: 'F', buttons: [{ text: 'Yes', id: 'y' }, { text: 'No' }] }
  const template: Menu = { form: 'template', body: 'Shop', buttons: [{ text: 'Web', url: 'https://e.com' }, { text: 'Call', phone: '+1 555' }, { text: 'Code', copy: 'X1' }] }
  const list: Menu = { form: 'list', title: 'T', body: 'Pick', list: { buttonText: 'Open', sections: [{ title: 'S', rows: [{ id: 'a', title: 'A', description: 'd' }] }] } }

  test('native: interactiveMessage inside the view-once envelope, one native-flow button each', () => {
    const msg = buildNative(template)
    const inner = msg.viewOnceMessage?.message
    assert.equal(inner?.messageContextInfo?.deviceListMetadataVersion, 2)
    const flow = inner?.interactiveMessage?.nativeFlowMessage?.buttons ?? []
    assert.deepEqual(flow.map((b) => b.name), ['cta_url', 'cta_call', 'cta_copy'])
    assert.deepEqual(JSON.parse(flow[0].buttonParamsJson ?? ''), { display_text: 'Web', url: 'https://e.com', merchant_url: 'https://e.com' })
    const select = buildNative(list).viewOnceMessage?.message?.interactiveMessage?.nativeFlowMessage?.buttons?.[0]
    assert.equal(select?.name, 'single_select')
    assert.deepEqual(JSON.parse(select?.buttonParamsJson ?? ''), { title: 'Open', sections: [{ title: 'S', rows: [{ header: '', title: 'A', description: 'd', id: 'a' }] }] })
  })

  test('legacy: the seed protos; copy buttons are refused', () => {
    assert.deepEqual(buildLegacy(buttons).buttonsMessage?.buttons?.map((b) => b.buttonId), ['y', '1'])
    assert.equal(buildLegacy(list).listMessage?.sections?.[0].rows?.[0].rowId, 'a')
    assert.throws(() => buildLegacy(template), /copy-code/)
    const t = buildLegacy({ ...template, buttons: template.buttons?.slice(0, 2) }).templateMessage?.hydratedTemplate
    assert.deepEqual(t?.hydratedButtons?.map((b) => b.index), [1, 2])
  })

  test('text: a numbered menu', () => {
    assert.equal(buildText(buttons), 'Continue?\n\n1. Yes\n2. No\n\nF')
    assert.equal(buildText(list), '*T*\nPick\n\n_S_\n1. A - d')
  })
})

test('vcard escapes values so a name cannot add vCard lines', () => {
  const v = buildVcard({ fullName: 'Evil\nTEL:123;x,y', phone: '+62 812-3456-7890', email: 'a@b.c' })
  assert.equal(v.split('\n').filter((l) => l.startsWith('TEL')).length, 1)
  assert.match(v, /FN:Evil\\nTEL:123\\;x\\,y/)
  assert.match(v, /TEL;type=CELL;type=VOICE;waid=6281234567890:\+6281234567890/)
})

describe('SEND_ACTIONS validators (as the scheduler runs them)', () => {
  const run = async (name: string, body: Record<string, unknown>) => {
    const action = SEND_ACTIONS.find((a) => a.name === name)
    assert.ok(action, name)
    const req = { body }
    for (const chain of action.validators) await chain.run(req)
    return validationResult(req).array().map((e) => (e.type === 'field' ? `${e.path}: ${String(e.msg)}` : String(e.msg)))
  }

  test('the registry has every scheduler type with a unique path', () => {
    assert.deepEqual(SEND_ACTIONS.map((a) => a.name).sort(), [
      'deleteForEveryone', 'editMessage', 'sendButtonMessage', 'sendContact', 'sendListMessage', 'sendLocation', 'sendMedia',
      'sendPoll', 'sendReaction', 'sendSticker', 'sendTemplateMessage', 'sendText',
    ])
    assert.equal(new Set(SEND_ACTIONS.map((a) => a.path)).size, SEND_ACTIONS.length)
    assert.equal(SEND_ACTIONS.find((a) => a.name === 'deleteForEveryone')?.path, '/whatsapp/delete-for-every-one')
  })

  test('valid job data passes; a number array passes; bad data names the field', async () => {
    assert.deepEqual(await run('sendText', { token: 'tok', number: '6281234567890', text: 'hi' }), [])
    assert.deepEqual(await run('sendText', { token: 'tok', number: ['6281234567890', '120363041234567890@g.us'], text: 'hi' }), [])
    assert.deepEqual(await run('sendMedia', { token: 'tok', number: '6281234567890', type: 'pdf', url: 'https://e.com/a.pdf' }), [])
    assert.deepEqual(await run('sendText', { token: 'tok', number: ['6281234567890', 'zz'], text: 'hi' }), ['number: [1] "zz" is not a phone number or a JID (…@s.whatsapp.net, …@g.us, …@lid)'])
    assert.deepEqual(await run('sendText', { number: '6281234567890' }), ['token: is required', 'text: is required'])
    assert.ok((await run('sendMedia', { token: 'tok', number: '6281234567890', type: 'exe', url: 'gopher://x' })).length >= 2)
  })
})
