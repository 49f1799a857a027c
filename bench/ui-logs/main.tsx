/**
 * The page driven by ../ui-logs-render.ts: renders the delivery logs list with N generated
 * deliveries, either virtualized (the kit's DeliveryList) or naively (every row in the DOM, the
 * baseline), and exposes `window.__bench` for the driver to measure.
 */
import type { DeliverySummary } from '@segment-webhook/core/contract';
import { Profiler } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { DeliveryList } from '../../packages/ui/src/components/DeliveryLogs';
import { Badge } from '../../packages/ui/src/primitives';
import { SegmentWebhookProvider } from '../../packages/ui/src/provider';
import '../../packages/ui/src/styles.css';
import { benchRows } from './rows';

interface BenchApi {
  mode: string;
  rows: number;
  dataMs: number;
  commitMs: number;
  firstFrameMs: number;
  /** Sum of React render durations (Profiler actualDuration) since the last reset. */
  renderMs: () => number;
  resetRenderMs: () => void;
  scroller: () => HTMLElement;
  /**
   * Scrolls `count` times, one step per frame (`steps`: `stepPx` further down; `jumps`: to a
   * pseudo-random position), timing each step until its frame has been drawn.
   */
  run: (kind: 'steps' | 'jumps', count: number, stepPx: number) => Promise<{ times: number[]; renderMs: number }>;
}

declare global {
  interface Window {
    __bench?: BenchApi;
  }
}

const params = new URLSearchParams(location.search);
const mode = params.get('mode') === 'naive' ? 'naive' : 'virtual';
const rows = Number(params.get('rows') ?? 100_000);

const dataStart = performance.now();
const items: DeliverySummary[] = benchRows(rows, Date.parse('2026-11-27T12:00:00.000Z'));
const dataMs = performance.now() - dataStart;

/** The baseline: the same row markup, every row in the DOM. */
function NaiveList({ items }: { items: DeliverySummary[] }) {
  return (
    <div className="swk-root swk-logs__list">
      <div className="swk-logs__scroller" role="listbox" aria-label="Deliveries" tabIndex={0}>
        {items.map((delivery, index) => (
          <div
            key={delivery.id}
            role="option"
            tabIndex={-1}
            aria-selected={false}
            aria-posinset={index + 1}
            aria-setsize={items.length}
            className="swk-logs__row"
            data-status={delivery.status}
            style={{ position: 'relative' }}
          >
            <Badge className="swk-logs__status">{delivery.status}</Badge>
            <span className="swk-logs__ids">
              <span className="swk-logs__event">{delivery.eventId}</span>
              <span className="swk-logs__person">{delivery.personId}</span>
            </span>
            <span className="swk-logs__outcome">{delivery.lastError ?? `HTTP ${delivery.lastHttpStatus ?? '—'}`}</span>
            <span className="swk-logs__attempts">{delivery.attemptCount} attempts</span>
            <time className="swk-logs__time" dateTime={delivery.createdAt}>
              {new Date(delivery.createdAt).toLocaleString('en-US')}
            </time>
          </div>
        ))}
      </div>
    </div>
  );
}

let renderMs = 0;

function scroller(): HTMLElement {
  return document.querySelector<HTMLElement>('.swk-logs__scroller')!;
}

async function run(kind: 'steps' | 'jumps', count: number, stepPx: number) {
  const element = scroller();
  const max = element.scrollHeight - element.clientHeight;
  renderMs = 0;
  let seed = 42;
  // Tracked here rather than read back: reading scrollTop after a render would force a layout.
  let position = element.scrollTop;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const started = performance.now();
    position = kind === 'steps' ? Math.min(max, position + stepPx) : Math.floor((seed / 2_147_483_648) * max);
    element.scrollTop = position;
    await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    times.push(performance.now() - started);
  }
  return { times, renderMs };
}
const root = createRoot(document.getElementById('root')!);
const start = performance.now();
flushSync(() =>
  root.render(
    <SegmentWebhookProvider baseUrl="/api" theme="light">
      <Profiler
        id="logs"
        onRender={(_id, _phase, actualDuration) => {
          renderMs += actualDuration;
        }}
      >
        {mode === 'virtual' ? <DeliveryList items={items} label="Deliveries" /> : <NaiveList items={items} />}
      </Profiler>
    </SegmentWebhookProvider>,
  ),
);
const commitMs = performance.now() - start;
// The first frame is on screen once a task queued from the next animation frame runs.
requestAnimationFrame(() =>
  setTimeout(() => {
    window.__bench = {
      mode,
      rows,
      dataMs,
      commitMs,
      firstFrameMs: performance.now() - start,
      renderMs: () => renderMs,
      resetRenderMs: () => {
        renderMs = 0;
      },
      scroller,
      run,
    };
  }),
);
