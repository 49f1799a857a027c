import type { TestResult } from '@segment-webhook/core/contract';
import { type HTMLAttributes, useId } from 'react';
import { Callout, CodeBlock, cx, ExternalLinkIcon, Spinner, VisuallyHidden } from '../../primitives';
import { useMessages } from '../../provider/SegmentWebhookProvider';

/** What the panel shows: nothing yet, a test in flight, a result, or a failure to run the test. */
export type TestPanelState =
  | { status: 'idle' }
  | { status: 'pending' }
  | { status: 'result'; result: TestResult }
  | { status: 'error'; message: string };

/** Props of {@link TestResultPanel}. */
export interface TestResultPanelProps extends HTMLAttributes<HTMLElement> {
  state: TestPanelState;
}

/** `ok`, `segment_error` (Segment answered, not 2xx) or `network_error` (no answer). */
export function testOutcome(result: TestResult): 'ok' | 'segment_error' | 'network_error' {
  if (result.ok) return 'ok';
  return result.httpStatus === null ? 'network_error' : 'segment_error';
}

/**
 * The **Test** result: HTTP status, latency, the exact payload sent and Segment's response — and the
 * honest caveat that Segment answers 200 even for an unknown write key or the wrong region, with a
 * link to the source debugger where the event can be confirmed.
 */
export function TestResultPanel({ state, className, ...rest }: TestResultPanelProps) {
  const m = useMessages();
  const headingId = useId();
  const dataStatus =
    state.status === 'result' ? testOutcome(state.result) : state.status === 'error' ? 'error' : state.status;
  return (
    <section
      aria-labelledby={headingId}
      aria-busy={state.status === 'pending' || undefined}
      className={cx('swk-root swk-test', className)}
      data-status={dataStatus}
      hidden={state.status === 'idle'}
      {...rest}
    >
      <h3 className="swk-subheading" id={headingId}>
        {m.testResultTitle}
      </h3>
      {/* The live region exists before the result arrives, so screen readers announce it. */}
      <div role="status" className="swk-test__status">
        {state.status === 'pending' ? (
          <span className="swk-row">
            <Spinner />
            {m.testing}
          </span>
        ) : state.status === 'result' ? (
          <ResultSummary result={state.result} />
        ) : null}
      </div>
      {state.status === 'error' ? (
        <Callout tone="danger" role="alert" title={m.testFailed}>
          <p>{state.message}</p>
        </Callout>
      ) : null}
      {state.status === 'result' ? <ResultDetails result={state.result} /> : null}
    </section>
  );
}

function ResultSummary({ result }: { result: TestResult }) {
  const m = useMessages();
  const outcome = testOutcome(result);
  const title = outcome === 'ok' ? m.testOk : outcome === 'segment_error' ? m.testSegmentError : m.testNetworkError;
  return (
    <Callout tone={outcome === 'ok' ? 'success' : 'danger'} title={title}>
      <dl className="swk-test__facts">
        <div>
          <dt>{m.testHttpStatus}</dt>
          <dd data-testid="test-http-status">{result.httpStatus ?? m.testNoResponse}</dd>
        </div>
        <div>
          <dt>{m.testLatency}</dt>
          <dd>{m.latencyMs(result.latencyMs)}</dd>
        </div>
        {result.error ? (
          <div className="swk-test__error">
            <dt>{m.testError}</dt>
            <dd>{result.error}</dd>
          </div>
        ) : null}
      </dl>
    </Callout>
  );
}

function ResultDetails({ result }: { result: TestResult }) {
  const m = useMessages();
  return (
    <>
      {result.ok ? (
        <Callout tone="warning" className="swk-test__tip">
          <p>{m.testTip}</p>
          <p>
            <a className="swk-link" href={m.segmentDebuggerUrl} target="_blank" rel="noreferrer">
              {m.testTipLink}
              <ExternalLinkIcon />
              <VisuallyHidden> {m.opensInNewTab}</VisuallyHidden>
            </a>
          </p>
        </Callout>
      ) : null}
      <div className="swk-test__block">
        <h4 className="swk-test__label">{m.testPayload}</h4>
        <CodeBlock label={m.testPayload} code={JSON.stringify(result.payload, null, 2)} />
      </div>
      {result.responseBody !== undefined ? (
        <div className="swk-test__block">
          <h4 className="swk-test__label">{m.testResponse}</h4>
          <CodeBlock label={m.testResponse} code={result.responseBody || '—'} />
        </div>
      ) : null}
    </>
  );
}
