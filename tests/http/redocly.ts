import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Problems `redocly lint` (recommended rules) reports for an OpenAPI document, as `rule: message at pointer`. */
export function redoclyProblems(document: unknown): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const result = spawnSync('pnpm', ['exec', 'redocly', 'lint', file, '--format=json'], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    const start = result.stdout.indexOf('{');
    if (start === -1) throw new Error(`redocly printed no report: ${result.stderr}`);
    const report = JSON.parse(result.stdout.slice(start)) as {
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    return report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
