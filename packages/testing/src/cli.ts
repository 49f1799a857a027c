#!/usr/bin/env node
/**
 * `segment-sink`: runs the Segment stand-in and logs what arrives (write keys as hints only).
 *
 *   segment-sink [--port 4100] [--host 127.0.0.1] [--max-messages 10000] [--quiet]
 */
import { parseArgs } from 'node:util';
import { formatMessageLine, formatRequestLine } from './format';
import { type ReceivedRequest, startSegmentSink } from './sink';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4100' },
    host: { type: 'string', default: '127.0.0.1' },
    'max-messages': { type: 'string', default: '10000' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('Usage: segment-sink [--port 4100] [--host 127.0.0.1] [--max-messages 10000] [--quiet]');
  process.exit(0);
}

const sink = await startSegmentSink({
  port: Number(values.port),
  host: values.host,
  maxMessages: Number(values['max-messages']),
});
console.log(`Segment sink listening on ${sink.url}`);
console.log(`  tracking API: ${sink.url}/v1/batch, ${sink.url}/v1/track`);
console.log(`  debugger:     ${sink.url}/__sink/messages?since=0`);

sink.events.on('request', (request: ReceivedRequest) => {
  console.log(formatRequestLine(request));
  if (values.quiet || request.outcome !== 'accepted') return;
  for (const entry of sink
    .received()
    .filter((message) => message.requestId === request.id)
    .slice(0, 20)) {
    console.log(formatMessageLine(entry));
  }
});

const stop = async () => {
  await sink.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
