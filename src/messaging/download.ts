// download-media: decrypts a received media message and returns it as a stream, with what the
// HTTP layer needs for Content-Type and the file name. Baileys fetches with native fetch, which
// follows redirects by itself: the GuardedAgent checks every hop (a caller may hand us any message
// JSON). In sandbox mode the simulator's media host (host:port) is trusted, with its CA.
import type { Readable } from 'node:stream'
import { downloadMediaMessage, extractMessageContent, getContentType, type WAMessage, type WASocket } from '@whiskeysockets/baileys'
import mime from 'mime-types'
import { AppError, badRequest } from '../errors.js'
import type { Logger } from '../logger.js'
import { GuardedAgent } from '../util/guarded-agent.js'
import { findBlocked, type AddressPolicy } from '../util/net-guard.js'

export interface Download {
  stream: Readable
  mimetype: string
  fileName: string
  size?: number
}

const MEDIA_KEYS = ['imageMessage', 'videoMessage', 'audioMessage', 'documentMessage', 'stickerMessage', 'ptvMessage'] as const

interface MediaFields { mimetype?: string | null; fileName?: string | null; fileLength?: number | Long | string | null; url?: string | null; directPath?: string | null; mediaKey?: unknown }
interface Long { toString(): string }

/** 404 / 410 from the media host: the blob is gone (WhatsApp keeps media for a limited time). */
const isGone = (err: unknown): boolean => {
  const status = (err as { output?: { statusCode?: number } } | undefined)?.output?.statusCode
  return status === 404 || status === 410
}

/** Sandbox only: the simulator's media host and the CA of its self-signed certificate. */
export interface TrustedMediaHost {
  /** 'host:port'; without it only the CA is trusted and the address policy applies to every host. */
  host?: string
  ca: string
}

export class MediaDownloader {
  private readonly agent: GuardedAgent

  constructor(policy: AddressPolicy, private readonly logger: Logger, trusted?: TrustedMediaHost, proxy?: string) {
    this.agent = new GuardedAgent(policy, { trustedHosts: trusted?.host ? [trusted.host] : [], ca: trusted?.ca, proxy })
  }

  async download(sock: WASocket, msg: WAMessage): Promise<Download> {
    const content = extractMessageContent(msg.message)
    const type = getContentType(content ?? undefined)
    if (!content || !type || !(MEDIA_KEYS as readonly string[]).includes(type)) {
      throw badRequest(`message is not a media message (it is ${type ?? 'empty'})`)
    }
    const media = content[type as (typeof MEDIA_KEYS)[number]] as MediaFields
    if (!media?.mediaKey || (!media.url && !media.directPath)) throw badRequest('message has no downloadable media (mediaKey/url missing)')
    this.checkHost(media)
    let stream: Readable
    try {
      stream = await this.fetch(msg).catch(async (err: unknown) => {
        if (!isGone(err)) throw err
        // Expired on the CDN: ask the phone to upload it again, then fetch the new copy. (rc14's own
        // reuploadRequest hook never fires: it tests `error.status`, which its Boom errors lack.)
        this.logger.info({ id: msg.key.id }, 'media expired; asking the phone to re-upload it')
        await sock.refreshMediaConn(false) // the new URL is built on the media host of the current media_conn
        return this.fetch(await sock.updateMediaMessage(msg))
      })
    } catch (err) {
      throw this.explain(err)
    }
    const mimetype = media.mimetype?.split(';')[0].trim() || 'application/octet-stream'
    const ext = mime.extension(mimetype) || 'bin'
    const fileName = media.fileName || `${msg.key.id ?? 'media'}.${ext}`
    const size = media.fileLength === null || media.fileLength === undefined ? undefined : Number(media.fileLength.toString())
    return { stream, mimetype, fileName, size: Number.isFinite(size) ? size : undefined }
  }

  private fetch(msg: WAMessage): Promise<Readable> {
    return downloadMediaMessage(msg, 'stream', { options: { dispatcher: this.agent } as RequestInit })
  }

  /** The host Baileys will fetch from is the one in `url` (directPath is joined to it). */
  private checkHost(media: MediaFields): void {
    if (!media.url) return // directPath alone goes to WhatsApp's own media host
    let url: URL
    try {
      url = new URL(media.url)
    } catch {
      throw badRequest('message: media url is not a valid URL')
    }
    if (url.protocol !== 'https:') throw badRequest('message: media url must be https')
    const blocked = this.agent.refusal(url)
    if (blocked) throw badRequest(`message: ${blocked.message}`)
  }

  private explain(err: unknown): Error {
    const e = err as { message?: string; output?: { statusCode?: number } }
    const blocked = findBlocked(err)
    if (blocked) return badRequest(`message: ${blocked.message}`)
    const status = e.output?.statusCode
    if (status === 404 || status === 410) return new AppError(410, 'the media is no longer on WhatsApp\'s servers (expired) and could not be re-uploaded')
    return new AppError(502, `could not download the media: ${e.message ?? String(err)}`)
  }

  async close(): Promise<void> {
    await this.agent.close()
  }
}
