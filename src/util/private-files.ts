// Files that hold keys, messages or secrets are readable by the gateway's user only: 0600 files in
// 0700 folders. Applied to existing paths too, so data made by an older version is tightened.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE })
  chmodSync(path, PRIVATE_DIR_MODE)
}

/**
 * Creates (or tightens) an SQLite file before it is opened. SQLite gives its -wal and -shm files the
 * mode of the database file, so they are 0600 as well; existing ones are tightened here.
 */
export function ensurePrivateDbFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE))
  chmodSync(path, PRIVATE_FILE_MODE)
  for (const side of [`${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(side)) chmodSync(side, PRIVATE_FILE_MODE)
  }
}
