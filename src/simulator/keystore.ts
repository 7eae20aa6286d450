// In-memory Signal key store for simulated devices (Baileys' SignalKeyStore contract), JSON-serialisable.
import { BufferJSON, type SignalDataSet, type SignalDataTypeMap, type SignalKeyStore } from '@whiskeysockets/baileys'

type KeyType = keyof SignalDataTypeMap
type Table = Record<string, unknown>

export class MemoryKeyStore implements SignalKeyStore {
	private data: Partial<Record<KeyType, Table>> = {}

	// arrow properties: Baileys destructures `{ get }` from stores, losing `this`
	get = <T extends KeyType>(type: T, ids: string[]): { [id: string]: SignalDataTypeMap[T] } => {
		const table: Table = this.data[type] ?? {}
		const out: { [id: string]: SignalDataTypeMap[T] } = {}
		for (const id of ids) {
			// values of a table are only ever written by set() with the matching type
			if (table[id] !== undefined) out[id] = table[id] as SignalDataTypeMap[T]
		}
		return out
	}

	set = (data: SignalDataSet): void => {
		for (const type of Object.keys(data) as KeyType[]) {
			const table = (this.data[type] ??= {})
			for (const [id, value] of Object.entries(data[type] ?? {})) {
				if (value === null || value === undefined) delete table[id]
				else table[id] = value
			}
		}
	}

	clear = (): void => {
		this.data = {}
	}

	/** JSON text (Buffers kept via Baileys' BufferJSON) for dataDir persistence. */
	serialize(): string {
		return JSON.stringify(this.data, BufferJSON.replacer)
	}

	static deserialize(json: string): MemoryKeyStore {
		const store = new MemoryKeyStore()
		// parsed back with the matching reviver, so the shape is what serialize() wrote
		store.data = JSON.parse(json, BufferJSON.reviver) as Partial<Record<KeyType, Table>>
		return store
	}
}
