/**
 * The activity simulator's button: sends a realistic burst of activity events for the current
 * account to the kit's ingest API, or keeps streaming them (about one a second).
 */
import { useQueryClient } from '@tanstack/react-query';
import { Popover } from 'radix-ui';
import { useEffect, useId, useRef, useState } from 'react';
import { API_BASE } from '../config';
import { generateActivityEvents, postActivityEvents } from '../simulator';
import { SparkIcon } from './icons';
import { useToast } from './Toasts';

export function SimulateActivity({ account }: { account: string }) {
  const [count, setCount] = useState(25);
  const [sending, setSending] = useState(false);
  const [streaming, setStreaming] = useState(false);
  const [last, setLast] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const streamed = useRef(0);
  const toast = useToast();
  const queryClient = useQueryClient();
  const countId = useId();
  const headers = { 'x-account-id': account };

  async function send(events: number) {
    const result = await postActivityEvents(API_BASE, generateActivityEvents({ count: events }), { headers });
    // Logs, overviews and usage are now stale.
    void queryClient.invalidateQueries();
    return result;
  }

  async function sendBurst() {
    setSending(true);
    setError(null);
    try {
      const result = await send(count);
      const message = `${result.accepted} events sent · ${result.deliveries} routed to Segment webhooks`;
      setLast(message);
      toast(message);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    } finally {
      setSending(false);
    }
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: restarts only when streaming is toggled or the account changes
  useEffect(() => {
    if (!streaming) return;
    streamed.current = 0;
    const timer = window.setInterval(() => {
      send(1 + Math.floor(Math.random() * 2))
        .then((result) => {
          streamed.current += result.accepted;
          setLast(`Streaming… ${streamed.current} events sent`);
        })
        .catch((cause: unknown) => {
          setError(cause instanceof Error ? cause.message : String(cause));
          setStreaming(false);
        });
    }, 1200);
    return () => window.clearInterval(timer);
  }, [streaming, account]);

  return (
    <Popover.Root>
      <Popover.Trigger className="button button-secondary" data-state-streaming={streaming ? 'on' : 'off'}>
        <SparkIcon width={16} height={16} />
        Simulate activity
        {streaming && <span className="pulse" aria-hidden="true" />}
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content className="popover" align="end" sideOffset={6} aria-label="Activity simulator">
          <h2 className="popover-title">Activity simulator</h2>
          <p className="muted">
            Generates realistic activity for <strong>this account</strong> — orders, email opens, form submissions,
            survey answers — and reports it to the kit's ingest API. Activities routed to a Segment webhook are
            forwarded to Segment.
          </p>
          <div className="popover-row">
            <label htmlFor={countId}>Events</label>
            <select
              id={countId}
              className="select"
              value={count}
              onChange={(event) => setCount(Number(event.target.value))}
            >
              {[10, 25, 100, 500].map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
            <button type="button" className="button button-primary" onClick={sendBurst} disabled={sending}>
              {sending ? 'Sending…' : 'Send events'}
            </button>
          </div>
          <label className="checkbox-row">
            <input type="checkbox" checked={streaming} onChange={(event) => setStreaming(event.target.checked)} />
            Keep streaming (about one event a second)
          </label>
          {last && (
            <p className="popover-result" role="status">
              {last}
            </p>
          )}
          {error && (
            <p className="popover-error" role="alert">
              {error}
            </p>
          )}
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
