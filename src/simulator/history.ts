// History the phone pushes to a newly linked companion: chats × messages with made-up
// correspondents, their push names and LID mappings, in HistorySync chunks.
// Real WhatsApp uploads each chunk to the media CDN; Baileys downloads by directPath from
// mmg.whatsapp.net with no host override, so the simulator inlines every chunk instead
// (`initialHistBootstrapInlinePayload`, which Baileys reads for any chunk).
import { deflateSync } from 'node:zlib'
import { proto } from '@whiskeysockets/baileys'
import { newMessageId, SERVER_JID } from './util.js'

export interface HistorySpec {
	/** chats to push (simulated contacts first, then made-up numbers) */
	chats: number
	/** messages per chat, alternating incoming / sent from the phone */
	messages: number
}

export const DEFAULT_HISTORY: HistorySpec = { chats: 2, messages: 3 }

/** Messages per chunk: Baileys decodes a chunk at once, so chunks bound its memory (and ours). */
const MESSAGES_PER_CHUNK = 2000

interface HistoryChat { jid: string; lid?: string; name: string }

/**
 * Made-up correspondents (not simulated contacts, so live chats stay as tests left them): each has
 * a number and a LID; every fourth hides its number (a LID-only chat, no mapping).
 */
const historyChats = (count: number): HistoryChat[] => {
	const out: HistoryChat[] = []
	for (let i = 0; i < count; i++) {
		const name = `History ${i + 1}`
		const lid = `1777${`${10000000000 + i}`}@lid`
		out.push(i % 4 === 3 ? { jid: lid, name } : { jid: `1666${`${1000000 + i}`}@${SERVER_JID}`, lid, name })
	}
	return out
}

function conversation(chat: HistoryChat, messages: number, newest: number): proto.IConversation {
	const msgs: proto.IHistorySyncMsg[] = []
	// newest first, as WhatsApp sends them
	for (let i = 0; i < messages; i++) {
		const fromMe = i % 2 === 1
		const ts = newest - i * 60
		msgs.push({
			msgOrderId: messages - i,
			message: {
				key: { remoteJid: chat.jid, fromMe, id: newMessageId() },
				message: { conversation: `${fromMe ? 'me' : chat.name}: history ${messages - i}` },
				messageTimestamp: ts,
				...(fromMe ? { status: proto.WebMessageInfo.Status.READ } : { pushName: chat.name })
			}
		})
	}
	return {
		id: chat.jid,
		name: chat.name,
		displayName: chat.name,
		...(chat.lid ? { lidJid: chat.lid } : {}),
		conversationTimestamp: newest,
		unreadCount: 0,
		messages: msgs
	}
}

/**
 * The HistorySync chunks for one link: INITIAL_BOOTSTRAP first, RECENT for the rest (progress
 * reaching 100 on the last), then PUSH_NAME. Built lazily so only one chunk is in memory at a time.
 */
export function* historyChunks(spec: HistorySpec): Generator<proto.IHistorySync> {
	const chats = historyChats(spec.chats)
	const perChunk = Math.max(1, Math.floor(MESSAGES_PER_CHUNK / Math.max(1, spec.messages)))
	const now = Math.floor(Date.now() / 1000) - 60
	const total = Math.max(1, Math.ceil(chats.length / perChunk))
	for (let chunk = 0; chunk < total; chunk++) {
		const slice = chats.slice(chunk * perChunk, (chunk + 1) * perChunk)
		yield {
			syncType: chunk === 0 ? proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP : proto.HistorySync.HistorySyncType.RECENT,
			chunkOrder: chunk + 1,
			progress: Math.round(((chunk + 1) / total) * 100),
			conversations: slice.map((c, i) => conversation(c, spec.messages, now - (chunk * perChunk + i) * 3600)),
			phoneNumberToLidMappings: slice.flatMap(c => (c.lid ? [{ pnJid: c.jid, lidJid: c.lid }] : []))
		}
	}
	yield {
		syncType: proto.HistorySync.HistorySyncType.PUSH_NAME,
		chunkOrder: total + 1,
		progress: 100,
		pushnames: chats.map(c => ({ id: c.jid, pushname: c.name }))
	}
}

/** The protocol message announcing one chunk, its payload deflated inline. */
export function historyNotification(chunk: proto.IHistorySync): proto.IMessage {
	const payload = deflateSync(proto.HistorySync.encode(chunk).finish())
	return {
		protocolMessage: {
			type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
			historySyncNotification: {
				syncType: chunk.syncType,
				chunkOrder: chunk.chunkOrder,
				progress: chunk.progress,
				fileLength: payload.length,
				initialHistBootstrapInlinePayload: payload
			}
		}
	}
}
