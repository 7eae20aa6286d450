// Optional dataDir persistence: the whole simulated network as one JSON file (written atomically) + media blobs.
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BufferJSON, type BinaryNode, type KeyPair } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import { writeFileAtomic } from '../util/atomic-write.js'
import type { AccountState } from './accounts.js'
import { ContactImpl } from './contact.js'
import type { AdminRole, GroupState } from './groups.js'
import type { Hub } from './hub.js'
import type { TlsMaterial } from './media-host.js'
import { SignalDevice, type SavedSignalDevice } from './signal-device.js'

const STATE_FILE = 'simulator-state.json'
const SAVE_DEBOUNCE_MS = 250

/** What survives a restart of an account: its durable fields plus messages queued while offline. */
type SavedAccount = Pick<AccountState, 'phone' | 'lid' | 'accountKey' | 'deviceId' | 'nextDeviceId' | 'noiseKey' | 'bundle'> & {
	offline: BinaryNode[]
}

interface SavedContact {
	number: string
	lidUser: string
	name: string
	onWhatsApp: boolean
	echo: boolean
	hidePhone?: boolean
	addressing?: 'pn' | 'lid'
	device: SavedSignalDevice
	/** linked devices 1… of the contact */
	extraDevices?: SavedSignalDevice[]
}

type SavedGroup = Omit<GroupState, 'participants'> & { participants: [string, AdminRole][] }

export interface SavedState {
	version: 1
	root: KeyPair
	tls: TlsMaterial
	accounts: SavedAccount[]
	contacts: SavedContact[]
	groups: SavedGroup[]
	/** media host pathname -> blob file name under media/ */
	media: [string, string][]
	/** ports of the last run: reused on restart so media URLs and the ws URL already handed out stay valid */
	ports?: SavedPorts
}

export interface SavedPorts {
	ws: number
	media: number
}

export async function loadState(dir: string): Promise<SavedState | undefined> {
	try {
		// written by Persistence.write with BufferJSON; version-checked below
		const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8'), BufferJSON.reviver) as SavedState
		return state.version === 1 ? state : undefined
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
		throw err
	}
}

export class Persistence {
	private timer?: NodeJS.Timeout
	private writing: Promise<void> = Promise.resolve()
	private readonly writtenBlobs = new Set<string>()
	/** set by Simulator.start once both servers listen */
	ports?: SavedPorts

	constructor(
		private readonly dir: string,
		private readonly hub: Hub,
		private readonly root: KeyPair,
		private readonly tls: TlsMaterial,
		private readonly logger: Logger
	) {}

	/** Restores the network; resolves once the media blobs are back (a download right after a restart finds them). */
	async restore(state: SavedState): Promise<void> {
		for (const a of state.accounts) this.hub.accounts.add({ ...a, noiseKey: a.noiseKey ? Buffer.from(a.noiseKey) : undefined, offline: a.offline ?? [] })
		for (const c of state.contacts) {
			const extra = (c.extraDevices ?? []).map(d => SignalDevice.restore(d, this.logger))
			const contact = new ContactImpl(this.hub, c, SignalDevice.restore(c.device, this.logger), extra)
			this.hub.contactsByNumber.set(c.number, contact)
			this.hub.contactsByLid.set(c.lidUser, contact)
		}
		for (const g of state.groups) this.hub.groups.add({ ...g, participants: new Map(g.participants) })
		await this.restoreMedia(state.media)
	}

	/** Debounced save: many changes in a burst become one write. */
	schedule(): void {
		if (this.timer) return
		this.timer = setTimeout(() => {
			this.timer = undefined
			this.writing = this.writing.then(() => this.write()).catch((err: unknown) => this.logger.warn({ err }, 'simulator state save failed'))
		}, SAVE_DEBOUNCE_MS)
		this.timer.unref()
	}

	async flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer)
		this.timer = undefined
		await this.writing
		await this.write()
	}

	private async restoreMedia(entries: [string, string][]): Promise<void> {
		for (const [path, file] of entries) {
			try {
				this.hub.media.restoreBlob(path, await readFile(join(this.dir, 'media', file)))
				this.writtenBlobs.add(file)
			} catch (err) {
				// one lost blob must not cost the others: its download answers 404 (the gateway: 410)
				this.logger.warn({ err, path }, 'failed to restore a media blob')
			}
		}
	}

	private async write(): Promise<void> {
		await mkdir(join(this.dir, 'media'), { recursive: true })
		const media: [string, string][] = []
		for (const [path, blob] of this.hub.media.blobEntries()) {
			const file = `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.bin`
			if (!this.writtenBlobs.has(file)) {
				await writeFile(join(this.dir, 'media', file), blob)
				this.writtenBlobs.add(file)
			}
			media.push([path, file])
		}
		const state: SavedState = {
			version: 1,
			root: this.root,
			tls: this.tls,
			accounts: this.hub.accounts.all().map(a => ({
				phone: a.phone,
				lid: a.lid,
				accountKey: a.accountKey,
				deviceId: a.deviceId,
				nextDeviceId: a.nextDeviceId,
				noiseKey: a.noiseKey,
				bundle: a.bundle,
				offline: a.offline
			})),
			contacts: [...this.hub.contactsByNumber.values()].map(c => ({
				number: c.number,
				lidUser: c.lidUser,
				name: c.name,
				onWhatsApp: c.onWhatsApp,
				echo: c.echo,
				hidePhone: c.hidePhone,
				addressing: c.addressing,
				device: c.device.save(),
				extraDevices: c.extraDevices().map(d => d.save())
			})),
			groups: this.hub.groups.all().map(g => ({ ...g, participants: [...g.participants] })),
			media,
			ports: this.ports
		}
		// atomic: a crash mid-write leaves the previous state file intact
		await writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify(state, BufferJSON.replacer))
	}
}
