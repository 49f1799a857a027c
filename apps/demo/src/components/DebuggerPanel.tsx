/**
 * The **Segment debugger**: what the local Segment stand-in received, live — like the source
 * debugger in a Segment workspace. Fed by the demo server (`/api/demo/debugger`), which reads the
 * sink from `@segment-webhook/testing`.
 */
import { useEffect, useMemo, useState } from 'react';
import { DEMO_API } from '../config';
import { BugIcon, CloseIcon } from './icons';

/** One message as the local Segment sink received it. */
export interface DebuggerEvent {
  id: string;
  receivedAt: string;
  /** The write key's last characters, e.g. `…a1b2` (the debugger never shows a whole key). */
  source: string;
  type: string;
  event: string | null;
  userId: string | null;
  messageId: string | null;
  message: Record<string, unknown>;
}

interface DebuggerState {
  /** `sink`: the local stand-in receives everything; otherwise messages go to real (or custom) hosts. */
  mode: 'sink' | 'live' | 'custom';
  events: DebuggerEvent[];
}

const MAX_EVENTS = 500;

function time(iso: string) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function DebuggerPanel({ onClose }: { onClose: () => void }) {
  const [state, setState] = useState<DebuggerState | null>(null);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    fetch(`${DEMO_API}/debugger`)
      .then(async (response) => {
        if (!response.ok) throw new Error(`The debugger feed answered ${response.status}`);
        const initial = (await response.json()) as DebuggerState;
        if (stopped) return;
        setState(initial);
        if (initial.mode !== 'sink') return;
        // Resume after the newest listed message: nothing is lost between the list and the feed.
        const since = initial.events.reduce((max, item) => Math.max(max, Number(item.id)), 0);
        source = new EventSource(`${DEMO_API}/debugger/stream?since=${since}`);
        source.onopen = () => setConnected(true);
        source.onerror = () => setConnected(false);
        source.addEventListener('message', (message) => {
          const event = JSON.parse(message.data) as DebuggerEvent;
          setState((current) =>
            current && !current.events.some((item) => item.id === event.id)
              ? { ...current, events: [event, ...current.events].slice(0, MAX_EVENTS) }
              : current,
          );
        });
        source.addEventListener('clear', () => setState((current) => current && { ...current, events: [] }));
      })
      .catch((cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)));
    return () => {
      stopped = true;
      source?.close();
    };
  }, []);

  const events = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const all = state?.events ?? [];
    if (!needle) return all;
    return all.filter((item) =>
      [item.event, item.userId, item.messageId, item.source].some((value) => value?.toLowerCase().includes(needle)),
    );
  }, [state, filter]);

  async function clear() {
    await fetch(`${DEMO_API}/debugger`, { method: 'DELETE' });
    setState((current) => current && { ...current, events: [] });
  }

  return (
    <aside className="debugger" aria-labelledby="debugger-title">
      <header className="debugger-header">
        <div className="debugger-title-row">
          <BugIcon />
          <h2 id="debugger-title">Segment debugger</h2>
          {state?.mode === 'sink' && (
            <span className="live-dot" data-state={connected ? 'live' : 'connecting'}>
              {connected ? 'Live' : 'Connecting'}
            </span>
          )}
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close the Segment debugger">
            <CloseIcon />
          </button>
        </div>
        <p className="debugger-subtitle">
          {state === null
            ? 'Loading…'
            : state.mode === 'sink'
              ? 'What the local Segment stand-in received, as your Segment source debugger would show it.'
              : state.mode === 'live'
                ? 'This server sends to Segment itself. Open the source debugger in your Segment workspace to see arrivals.'
                : 'This server sends to the endpoints set in SEGMENT_US_ENDPOINT / SEGMENT_EU_ENDPOINT; check arrivals there.'}
        </p>
        {state?.mode === 'sink' && (
          <div className="debugger-tools">
            <input
              className="input input-sm"
              type="search"
              placeholder="Filter events"
              aria-label="Filter debugger events"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
            />
            <span className="debugger-count" data-testid="debugger-count">
              {state.events.length} received
            </span>
            <button type="button" className="button button-ghost button-sm" onClick={clear}>
              Clear
            </button>
          </div>
        )}
      </header>
      {error && (
        <p className="debugger-error" role="alert">
          {error}
        </p>
      )}
      {state?.mode === 'sink' && (
        <ol className="debugger-list" aria-label="Events received by Segment">
          {events.length === 0 && (
            <li className="debugger-empty">
              Nothing received yet. Click <strong>Test</strong> on a Segment webhook, run a journey action or simulate
              activity.
            </li>
          )}
          {events.map((item) => {
            const open = selected === item.id;
            return (
              <li key={item.id} className="debugger-item" data-state={open ? 'open' : 'closed'}>
                <button
                  type="button"
                  className="debugger-row"
                  aria-expanded={open}
                  onClick={() => setSelected(open ? null : item.id)}
                >
                  <span className="debugger-type">{item.type}</span>
                  <span className="debugger-event">{item.event ?? '—'}</span>
                  <span className="debugger-meta">
                    {item.userId ?? 'anonymous'} · source {item.source}
                  </span>
                  <time className="debugger-time" dateTime={item.receivedAt}>
                    {time(item.receivedAt)}
                  </time>
                </button>
                {open && <pre className="debugger-json">{JSON.stringify(item.message, null, 2)}</pre>}
              </li>
            );
          })}
        </ol>
      )}
    </aside>
  );
}
