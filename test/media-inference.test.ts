// Media without `type` (issue 10, README's `-F file=@report.pdf`): the kind and mimetype come from
// the upload's content type and name, a data: URL's prefix, or the first bytes; a PNG stays PNG.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadMedia, type MediaSourceDeps } from '../src/messaging/media-source.js'
import { sniffMime } from '../src/messaging/media-sniff.js'
import { resolveMedia } from '../src/messaging/media-type.js'

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')
const PDF = Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'latin1')

describe('resolveMedia without type', () => {
  test('the kind follows the content type, then the file name', () => {
    assert.deepEqual(resolveMedia({}, { contentType: 'application/pdf', fileName: 'report.pdf' }), { kind: 'document', mimetype: 'application/pdf', fileName: 'report.pdf' })
    assert.deepEqual(resolveMedia({}, { contentType: 'application/octet-stream', fileName: 'report.pdf' }), { kind: 'document', mimetype: 'application/pdf', fileName: 'report.pdf' })
    assert.deepEqual(resolveMedia({}, { contentType: 'image/png', fileName: 'a.png' }), { kind: 'image', mimetype: 'image/png', fileName: 'a.png' })
    assert.equal(resolveMedia({}, { fileName: 'clip.mp4' }).kind, 'video')
  })

  test('the first bytes decide when nothing else does; nothing at all is a clear 400', () => {
    assert.deepEqual(resolveMedia({}, { sniffed: 'image/png' }), { kind: 'image', mimetype: 'image/png', fileName: undefined })
    assert.throws(() => resolveMedia({}, {}), /type or mimetype is required/)
    assert.throws(() => resolveMedia({}, { contentType: 'application/octet-stream' }), /type or mimetype is required/)
  })

  test('a PNG sent as type image keeps image/png, from any source fact', () => {
    assert.equal(resolveMedia({ type: 'image' }, { sniffed: 'image/png' }).mimetype, 'image/png')
    assert.equal(resolveMedia({ type: 'image' }, { contentType: 'application/octet-stream', sniffed: 'image/png' }).mimetype, 'image/png')
    assert.throws(() => resolveMedia({ type: 'sticker' }, { sniffed: 'image/png' }), /sticker must be image\/webp/)
  })

  test('sniffMime knows the formats WhatsApp carries', () => {
    assert.equal(sniffMime(PNG), 'image/png')
    assert.equal(sniffMime(PDF), 'application/pdf')
    assert.equal(sniffMime(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg')
    assert.equal(sniffMime(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'image/webp')
    assert.equal(sniffMime(Buffer.from('hello')), undefined)
  })
})

describe('loadMedia infers what the request left out', () => {
  const root = mkdtempSync(join(tmpdir(), 'media-infer-'))
  const deps: MediaSourceDeps = {
    fetcher: { fetchToFile: () => Promise.reject(new Error('no network in this test')) } as unknown as MediaSourceDeps['fetcher'],
    limits: { maxBytes: 1024 * 1024, timeoutMs: 1000 },
    tmpDir: join(root, 'tmp'),
  }
  test.after(() => rmSync(root, { recursive: true, force: true }))

  test('an upload with no type (curl -F file=@report.pdf) is a PDF document', async () => {
    const path = join(root, 'upload-1')
    writeFileSync(path, PDF)
    const m = await loadMedia({ upload: { path, size: PDF.length, mimetype: 'application/pdf', originalName: 'report.pdf' } }, deps)
    assert.deepEqual({ kind: m.kind, mimetype: m.mimetype, fileName: m.fileName }, { kind: 'document', mimetype: 'application/pdf', fileName: 'report.pdf' })
  })

  test('an upload sent as application/octet-stream without a useful name is told by its bytes', async () => {
    const path = join(root, 'upload-2')
    writeFileSync(path, PNG)
    const m = await loadMedia({ upload: { path, size: PNG.length, mimetype: 'application/octet-stream', originalName: 'blob' } }, deps)
    assert.deepEqual({ kind: m.kind, mimetype: m.mimetype }, { kind: 'image', mimetype: 'image/png' })
  })

  test('base64: a data: URL prefix names the type; a plain PNG sent as type image stays image/png', async () => {
    const fromDataUrl = await loadMedia({ base64: `data:application/pdf;base64,${PDF.toString('base64')}` }, deps)
    assert.deepEqual({ kind: fromDataUrl.kind, mimetype: fromDataUrl.mimetype }, { kind: 'document', mimetype: 'application/pdf' })
    const plain = await loadMedia({ type: 'image', base64: PNG.toString('base64') }, deps)
    assert.equal(plain.mimetype, 'image/png')
    await assert.rejects(loadMedia({ base64: Buffer.from('just text').toString('base64') }, deps), /type or mimetype is required/)
  })
})
