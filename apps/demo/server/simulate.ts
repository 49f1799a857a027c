/**
 * The activity simulator on the command line: posts realistic activity events to a running demo's
 * ingest API for one account.
 *
 *   pnpm --filter @segment-webhook/demo simulate [--url http://localhost:3000] [--account demo]
 *        [--count 50] [--follow]
 *
 * `--follow` keeps streaming a few events every second until interrupted.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_ACCOUNT } from '../src/catalog';
import { generateActivityEvents, postActivityEvents } from '../src/simulator';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: `http://localhost:${process.env.PORT ?? 3000}` },
    account: { type: 'string', default: DEFAULT_ACCOUNT },
    count: { type: 'string', default: '50' },
    follow: { type: 'boolean', default: false },
  },
});

const base = `${values.url.replace(/\/$/, '')}/api/segment-webhooks`;
const headers = { 'x-account-id': values.account };
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > 1000) {
  console.error('--count must be an integer from 1 to 1000');
  process.exit(1);
}

const first = await postActivityEvents(base, generateActivityEvents({ count }), { headers });
console.log(`${first.accepted} events sent to "${values.account}" · ${first.deliveries} routed to Segment webhooks`);

if (values.follow) {
  let total = first.accepted;
  setInterval(async () => {
    const result = await postActivityEvents(
      base,
      generateActivityEvents({ count: 1 + Math.floor(Math.random() * 3) }),
      {
        headers,
      },
    );
    total += result.accepted;
    process.stdout.write(`\r${total} events sent`);
  }, 1000);
}
