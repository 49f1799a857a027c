'use client';
/**
 * The page every example serves: the kit's main components in one screen, talking to the example's API at
 * /api/segment-webhooks. The browser sends the `account` cookie; without one the server uses `demo`.
 */
import {
  ActivityDestinations,
  DataSourceList,
  DataSourceView,
  SegmentWebhookProvider,
  SegmentWebhookSetup,
} from '@segment-webhook/ui';
import { useState } from 'react';

export function ExamplePage({ framework }: { framework?: string }) {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <SegmentWebhookProvider baseUrl="/api/segment-webhooks" productName="Relay" theme="light">
      <main style={{ maxWidth: 960, margin: '0 auto', padding: 24, fontFamily: 'system-ui, sans-serif' }}>
        <h1>Segment webhooks{framework ? ` — ${framework} example` : ''}</h1>
        <DataSourceList onNew={() => setSelected(null)} onSelect={(webhook) => setSelected(webhook.id)} />
        {selected ? (
          <DataSourceView key={selected} webhookId={selected} onDeleted={() => setSelected(null)} />
        ) : (
          <SegmentWebhookSetup onCreated={(webhook) => setSelected(webhook.id)} />
        )}
        <ActivityDestinations />
      </main>
    </SegmentWebhookProvider>
  );
}
