/**
 * A real small filesystem for the full-disk tests: a tmpfs of a few megabytes mounted on a temporary folder
 * (`mount -t tmpfs -o size=…`, which needs root: CI runs as root on these machines), unmounted and removed by
 * {@link SmallFilesystem.destroy}, and at the test process's exit if it did not get there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A mounted small filesystem. */
export interface SmallFilesystem {
  /** Where it is mounted. */
  readonly dir: string;
  /** Writes a file of `bytes` (zeros) that takes room until {@link SmallFilesystem.free}. */
  ballast(bytes: number): void;
  /** Deletes the ballast: the room is free again. */
  free(): void;
  /** Unmounts it and removes the folder. */
  destroy(): void;
}

/** Mounts a tmpfs of `megabytes` on a new temporary folder (mode 0777, so PostgreSQL can use it). */
export function mountSmallFilesystem(megabytes: number): SmallFilesystem {
  const dir = mkdtempSync(path.join(tmpdir(), 'swk-small-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0777`, 'tmpfs', dir]);
  const ballastFile = path.join(dir, 'ballast');
  let mounted = true;
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', unmount);
  return {
    dir,
    ballast(bytes) {
      writeFileSync(ballastFile, Buffer.alloc(bytes));
    },
    free() {
      unlinkSync(ballastFile);
    },
    destroy() {
      process.off('exit', unmount);
      unmount();
    },
  };
}
