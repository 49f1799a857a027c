import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const KEY = 'wk_SECRET_cli_key_4321';

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

/** Resolves with the output once `predicate` holds for it. */
function waitForOutput(process: ChildProcess, predicate: (output: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (predicate(output)) {
        process.stdout?.off('data', onData);
        resolve(output);
      }
    };
    process.stdout?.on('data', onData);
    process.once('exit', (code) => reject(new Error(`segment-sink exited with ${code}: ${output}`)));
  });
}

describe('segment-sink CLI', () => {
  it('starts the sink and logs arrivals with a write key hint only', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'cli.ts'), '--port', '0'], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const banner = await waitForOutput(child, (output) => output.includes('listening on'));
    const url = /listening on (http:\/\/\S+)/.exec(banner)![1]!;

    const logged = waitForOutput(child, (output) => output.includes('#1 track'));
    const response = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch: [{ type: 'track', event: 'Order placed', userId: 'p_1', messageId: 'm_1' }] }),
    });
    expect(response.status).toBe(200);
    const output = await logged;
    expect(output).toContain('POST /v1/batch key …4321 1 message');
    expect(output).toContain('#1 track "Order placed" userId=p_1 messageId=m_1');
    expect(output).not.toContain(KEY);
  });
});
