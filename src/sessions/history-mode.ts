// SYNC_HISTORY → Baileys' history options. What WhatsApp sends on link: an initial bootstrap
// (recent chats and messages), more RECENT chunks, push names, and only when the companion asks
// for it (syncFullHistory) the FULL history. `off` keeps the chunks without messages (push names,
// non-blocking data with LID mappings): refusing every type makes Baileys warn that it loses its
// initial LID mappings.
import { proto } from '@whiskeysockets/baileys'

export type SyncHistoryMode = 'off' | 'recent' | 'full'

const T = proto.HistorySync.HistorySyncType
const WITHOUT_MESSAGES = new Set<number>([T.PUSH_NAME, T.NON_BLOCKING_DATA])

export function historyOptions(mode: SyncHistoryMode): {
  syncFullHistory: boolean
  shouldSyncHistoryMessage: (msg: proto.Message.IHistorySyncNotification) => boolean
} {
  return {
    syncFullHistory: mode === 'full',
    shouldSyncHistoryMessage: ({ syncType }) => {
      const type = syncType ?? T.INITIAL_BOOTSTRAP
      if (mode === 'full') return true
      if (mode === 'recent') return type !== T.FULL
      return WITHOUT_MESSAGES.has(type)
    },
  }
}
