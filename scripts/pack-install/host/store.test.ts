// The store conformance suite, from the tarball, under the host's own vitest.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeStoreContract } from '@segment-webhook/core/testing';
import { sqliteStore } from '@segment-webhook/store-sqlite';

const dir = mkdtempSync(path.join(os.tmpdir(), 'host-store-'));
let files = 0;
describeStoreContract('sqliteStore from the tarball', () => {
  files += 1;
  return sqliteStore({ filename: path.join(dir, `store-${files}.sqlite`) });
});
