// The linear urlencoded parser: the shapes PHP's http_build_query, Laravel and Postman send, and
// the bounds that keep one form from blocking the process (qs merged indexed arrays quadratically).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../src/errors.js'
import { MAX_NESTED_FORM_FIELDS, parseForm } from '../src/http/form-parse.js'

const q = (s: string) => parseForm(s, 11_000)

test('nested keys become the same shapes qs gives', () => {
  assert.deepEqual(q('token=a&number%5B0%5D=1&number%5B1%5D=2&delay%5Bmin%5D=0&delay%5Bmax%5D=3'), { token: 'a', number: ['1', '2'], delay: { min: '0', max: '3' } })
  assert.deepEqual(q('n[]=1&n[]=2&n[]=3'), { n: ['1', '2', '3'] })
  assert.deepEqual(q('list[0][title]=s&list[0][rows][0][title]=r+1&list[0][rows][1][title]=r%202'), { list: [{ title: 's', rows: [{ title: 'r 1' }, { title: 'r 2' }] }] })
  assert.deepEqual(q('a=1&a=2'), { a: ['1', '2'] })
  assert.deepEqual(q('n[5]=x&n[2]=y'), { n: ['y', 'x'] }, 'holes dropped, index order kept')
  assert.deepEqual(q('0=a&1=b'), { 0: 'a', 1: 'b' }, 'the body itself stays an object')
  assert.deepEqual(q('weird[=1&a]b=2'), { 'weird[': '1', 'a]b': '2' })
  assert.deepEqual(q(''), {})
  assert.deepEqual(q('a=%E2%82%AC+1&b=100%&c&=d&&e=x=y'), { a: '€ 1', b: '100%', c: '', e: 'x=y' }, 'decoded as URLSearchParams decodes; an empty name is dropped')
})

test('__proto__ keys are dropped; nothing reaches Object.prototype', () => {
  const body = q('__proto__[polluted]=1&a[__proto__][x]=2&b=3')
  assert.deepEqual(body, { a: {}, b: '3' })
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('bounds: fields, nesting depth, nested fields', () => {
  const status = (fn: () => unknown) => {
    try {
      fn()
    } catch (err) {
      return err instanceof AppError ? err.status : -1
    }
    return 200
  }
  assert.equal(status(() => parseForm('a=1&b=2&c=3', 2)), 413)
  assert.equal(status(() => q(`a${'[x]'.repeat(33)}=1`)), 400)
  assert.equal(status(() => q(Array.from({ length: MAX_NESTED_FORM_FIELDS + 1 }, (_, i) => `k${i}[a][b]=1`).join('&'))), 413)
  assert.equal(status(() => q(Array.from({ length: 10_000 }, (_, i) => `number[${i}]=1`).join('&'))), 200, 'a bulk send of 10,000 numbers')
})

test('10,000 indexed fields parse in linear time', () => {
  const body = Array.from({ length: 10_000 }, (_, i) => `mentions[${i}]=6281234567890`).join('&')
  const started = performance.now()
  const parsed = q(body) as { mentions: string[] }
  assert.equal(parsed.mentions.length, 10_000)
  assert.ok(performance.now() - started < 1000, 'qs took seconds for this')
})
