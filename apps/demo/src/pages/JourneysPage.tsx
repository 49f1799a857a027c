/**
 * **Journeys**: a journey whose last step is the kit's **Send to webhook** action, and a way to run
 * that step for one person now (as the journey would when the person reaches it).
 */
import { SendToWebhookAction, useSegmentWebhookApi } from '@segment-webhook/ui';
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { PEOPLE } from '../catalog';
import { PlayIcon } from '../components/icons';
import { PageHeader } from '../components/Layout';
import { useToast } from '../components/Toasts';
import { generateActivityEvents, personPayload } from '../simulator';

function Step({ kind, title, detail, active }: { kind: string; title: string; detail: string; active?: boolean }) {
  return (
    <li className="journey-step" data-active={active ? 'true' : undefined}>
      <span className="journey-kind">{kind}</span>
      <span className="journey-step-title">{title}</span>
      <span className="journey-step-detail">{detail}</span>
    </li>
  );
}

/** The order a person "placed" to reach this step: what the preview shows and **Run action** sends. */
function orderFor(personId: string) {
  const person = PEOPLE.find((item) => item.id === personId) ?? PEOPLE[0];
  const [order] = generateActivityEvents({ count: 1, activityIds: ['order-placed'] });
  if (!person || !order) throw new Error('The demo catalog has no people');
  return {
    id: `journey_post_purchase_${order.id}`,
    occurredAt: order.occurredAt,
    person: personPayload(person),
    attributes: order.attributes ?? {},
  };
}

export function JourneysPage() {
  const api = useSegmentWebhookApi();
  const toast = useToast();
  const [webhookId, setWebhookId] = useState<string | null>(null);
  const [personId, setPersonId] = useState(PEOPLE[0]?.id ?? '');
  const [event, setEvent] = useState(() => orderFor(personId));
  const personFieldId = useId();
  const person = PEOPLE.find((item) => item.id === personId);

  const run = useMutation({
    mutationFn: async () => {
      if (!webhookId) throw new Error('Choose a Segment webhook first');
      return api.sendToWebhook(webhookId, {
        person: event.person,
        activity: { activityId: 'order-placed', occurredAt: event.occurredAt, attributes: event.attributes },
        // One delivery per person reaching the step: the journey's idempotency key.
        id: event.id,
      });
    },
    onSuccess: () => {
      toast(`Send to webhook ran for ${person?.first_name} ${person?.last_name}`);
      // The next run is another order.
      setEvent(orderFor(personId));
    },
  });

  function choosePerson(id: string) {
    setPersonId(id);
    setEvent(orderFor(id));
    run.reset();
  }

  return (
    <>
      <PageHeader
        title="Post-purchase follow-up"
        description="Thanks new customers, asks for a review a week later and tells your analytics stack through Segment."
        breadcrumbs={[{ label: 'Journeys', href: '/journeys' }]}
        actions={<span className="badge badge-success">Live</span>}
      />
      <div className="journey">
        <section className="card journey-canvas" aria-label="Journey steps">
          <ol className="journey-steps">
            <Step kind="Trigger" title="Order placed" detail="When a person places an order" />
            <Step kind="Email" title="Thank you for your order" detail="Sent immediately" />
            <Step kind="Wait" title="Wait 7 days" detail="Then continue" />
            <Step kind="Action" title="Send to webhook" detail="Segment webhook" active />
          </ol>
        </section>
        <section className="card journey-editor" aria-labelledby="action-title">
          <h2 id="action-title" className="card-title">
            Send to webhook
          </h2>
          <p className="muted">Sends a track call to the chosen Segment webhook when a person reaches this step.</p>
          <SendToWebhookAction value={webhookId} onChange={setWebhookId} sampleEvent={event} />
          <div className="run-box">
            <h3 className="card-subtitle">Run for a person</h3>
            <p className="muted">Runs this step now, as the journey would when the person reaches it.</p>
            <div className="run-row">
              <div className="field">
                <label htmlFor={personFieldId}>Person</label>
                <select
                  id={personFieldId}
                  className="select"
                  value={personId}
                  onChange={(change) => choosePerson(change.target.value)}
                >
                  {PEOPLE.map((item) => (
                    <option key={item.id} value={item.id}>
                      {item.first_name} {item.last_name} ({item.email})
                    </option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                className="button button-primary"
                disabled={!webhookId || run.isPending}
                onClick={() => run.mutate()}
              >
                <PlayIcon /> {run.isPending ? 'Running…' : 'Run action'}
              </button>
            </div>
            {run.isSuccess && (
              <p className="run-result" role="status">
                Queued for Segment · message <code>{run.data.messageId}</code>
              </p>
            )}
            {run.isError && (
              <p className="run-error" role="alert">
                {run.error.message}
              </p>
            )}
          </div>
        </section>
      </div>
    </>
  );
}
