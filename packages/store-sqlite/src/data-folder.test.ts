import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './sqlite-store';

// Specific to SQLite (a file on disk): the README says the file is created if missing, folder included.
const root = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sqliteStore', () => {
  it('creates the folder of its file when it does not exist', async () => {
    const filename = path.join(root, 'not', 'yet', 'there', 'segment-webhooks.sqlite');
    const store = sqliteStore({ filename });
    try {
      await store.migrate();
      expect(existsSync(filename)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
