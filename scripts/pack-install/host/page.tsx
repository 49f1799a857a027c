// A page of a new host that embeds the main components.
import {
  ActivityDestinations,
  DataSourceList,
  DataSourceView,
  SegmentWebhookProvider,
  SegmentWebhookSetup,
  SendToWebhookAction,
  useSegmentWebhookApi,
  webhooksQueryOptions,
} from '@segment-webhook/ui';
import '@segment-webhook/ui/styles.css';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';

function WebhookCount() {
  const api = useSegmentWebhookApi();
  const { data } = useQuery(webhooksQueryOptions(api));
  return <p>{data?.length ?? 0} webhooks</p>;
}

export function HostPage() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <SegmentWebhookProvider baseUrl="/api/segment-webhooks" productName="Host" headers={{ 'x-account-id': 'demo' }}>
      <WebhookCount />
      <DataSourceList onSelect={(webhook) => setSelected(webhook.id)} />
      {selected ? (
        <DataSourceView webhookId={selected} />
      ) : (
        <SegmentWebhookSetup onCreated={(w) => setSelected(w.id)} />
      )}
      <ActivityDestinations />
      <SendToWebhookAction onChange={() => {}} />
    </SegmentWebhookProvider>
  );
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<HostPage />);
