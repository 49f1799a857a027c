/**
 * The encryption key for write keys at rest: `SEGMENT_ENCRYPTION_KEY`, else a key generated on the
 * first start and kept in `DATA_DIR` (readable by the owner only), so restarts can decrypt.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The key file's name inside `DATA_DIR`. */
export const KEY_FILE = 'encryption.key';

/** Returns the configured key, else the one kept in `dataDir`, generating it on the first call. */
export function loadEncryptionKey(dataDir: string, configured: string | null): { key: string; generated: boolean } {
  if (configured) return { key: configured, generated: false };
  const file = path.join(dataDir, KEY_FILE);
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  try {
    // `wx`: never overwrite a key another process wrote meanwhile (it would orphan encrypted rows).
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: readFileSync(file, 'utf8').trim(), generated: false };
  }
  return { key, generated: true };
}
