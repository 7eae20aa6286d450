// The one response envelope: { status: true, data } or { status: false, message }.
import type { Response } from 'express'

export function sendOk(res: Response, data: unknown, status = 200): void {
  res.status(status).json({ status: true, data })
}

export function sendFail(res: Response, status: number, message: string): void {
  res.status(status).json({ status: false, message })
}
