// Media for simulated contacts: upload like a phone (encrypt + POST to the media host) and download + decrypt.
import { createHash } from 'node:crypto'
import type { proto } from '@whiskeysockets/baileys'
import type { Hub } from './hub.js'
import { decryptMedia, encryptMedia } from './media-crypto.js'
import { mediaKindFor, type MediaRef } from './message-content.js'
import type { MediaInput, ReceivedMedia } from './types.js'

/** Download (HTTPS, CA-verified) and decrypt a media message the contact received; all hashes checked. */
export async function fetchMedia(hub: Hub, ref: MediaRef): Promise<ReceivedMedia> {
	if (!ref.mediaKey) throw new Error('media message without mediaKey')
	const url = ref.url || `https://${hub.media.host}${ref.directPath ?? ''}`
	const body = await hub.mediaClient.download(url)
	const data = await decryptMedia(body, ref.mediaKey, ref.kind, ref)
	return {
		mimetype: ref.mimetype ?? 'application/octet-stream',
		size: data.length,
		sha256: createHash('sha256').update(data).digest('hex'),
		...(ref.fileName ? { fileName: ref.fileName } : {}),
		data
	}
}

/** Encrypt + upload like a phone does; returns the message content to send. */
export async function uploadMedia(hub: Hub, media: MediaInput): Promise<proto.IMessage> {
	const kind = mediaKindFor(media.mimetype)
	const enc = await encryptMedia(media.data, kind)
	const up = await hub.mediaClient.upload(kind, enc.body, enc.fileEncSha256)
	const common = {
		url: up.url,
		directPath: up.directPath,
		mediaKey: enc.mediaKey,
		fileEncSha256: enc.fileEncSha256,
		fileSha256: enc.fileSha256,
		fileLength: enc.fileLength,
		mimetype: media.mimetype,
		mediaKeyTimestamp: Math.floor(Date.now() / 1000)
	}
	switch (kind) {
		case 'image':
			return { imageMessage: { ...common, caption: media.caption } }
		case 'video':
			return { videoMessage: { ...common, caption: media.caption } }
		case 'audio':
			return { audioMessage: { ...common, ptt: !!media.ptt } }
		case 'sticker':
			return { stickerMessage: common }
		case 'document': {
			const fileName = media.fileName ?? 'file'
			return { documentMessage: { ...common, fileName, title: fileName, caption: media.caption } }
		}
	}
}
