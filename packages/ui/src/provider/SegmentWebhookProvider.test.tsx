import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { render, renderHook, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { createKitBackend } from '../test/backend';
import {
  SegmentWebhookProvider,
  useMessages,
  useSegmentWebhookApi,
  useSegmentWebhookTheme,
} from './SegmentWebhookProvider';

const seen: QueryClient[] = [];
function Probe() {
  seen.push(useQueryClient());
  return null;
}

function Theme() {
  return <span>{useSegmentWebhookTheme()}</span>;
}

describe('SegmentWebhookProvider', () => {
  it('makes useSegmentWebhookApi throw a clear error without a provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => useSegmentWebhookApi())).toThrow(
      /useSegmentWebhookApi\(\) must be used inside <SegmentWebhookProvider/,
    );
  });

  it('gives an API client bound to the base URL, fetch and headers', async () => {
    const backend = await createKitBackend();
    const { result } = renderHook(() => useSegmentWebhookApi(), {
      wrapper: ({ children }) => (
        <SegmentWebhookProvider
          baseUrl="/api/segment-webhooks"
          fetch={backend.fetch}
          headers={{ 'x-account-id': 'acme' }}
        >
          {children}
        </SegmentWebhookProvider>
      ),
    });
    await expect(result.current.getUsage()).resolves.toEqual({ outboundActivityStreams: 3, includedStreams: 5 });
    expect(result.current.baseUrl).toBe('/api/segment-webhooks');
  });

  it('merges message overrides, including part of a group', () => {
    const { result } = renderHook(() => useMessages(), {
      wrapper: ({ children }) => (
        <SegmentWebhookProvider
          baseUrl="/x"
          messages={{ createButton: 'Créer', webhookStatus: { active: 'Actif' }, fieldRemove: (k) => `Supprimer ${k}` }}
        >
          {children}
        </SegmentWebhookProvider>
      ),
    });
    expect(result.current.createButton).toBe('Créer');
    expect(result.current.webhookStatus).toEqual({
      active: 'Actif',
      disconnected: 'Disconnected',
      archived: 'Archived',
    });
    expect(result.current.fieldRemove('email')).toBe('Supprimer email');
    expect(result.current.testButton).toBe('Test');
  });

  it('uses the given QueryClient, else the host’s, else its own', () => {
    const given = new QueryClient();
    const host = new QueryClient();
    seen.length = 0;
    render(
      <SegmentWebhookProvider baseUrl="/x" queryClient={given}>
        <Probe />
      </SegmentWebhookProvider>,
    );
    render(
      <QueryClientProvider client={host}>
        <SegmentWebhookProvider baseUrl="/x">
          <Probe />
        </SegmentWebhookProvider>
      </QueryClientProvider>,
    );
    render(
      <SegmentWebhookProvider baseUrl="/x">
        <Probe />
      </SegmentWebhookProvider>,
    );
    expect(seen[0]).toBe(given);
    expect(seen[1]).toBe(host);
    expect(seen[2]).toBeInstanceOf(QueryClient);
    expect(seen[2]).not.toBe(host);
  });

  it('carries the theme as a data attribute without adding a box', () => {
    const { container } = render(
      <SegmentWebhookProvider baseUrl="/x" theme="dark">
        <Theme />
      </SegmentWebhookProvider>,
    );
    expect(container.firstElementChild).toHaveAttribute('data-swk-theme', 'dark');
    expect(container.firstElementChild).toHaveClass('swk-theme', 'swk-provider');
    expect(screen.getByText('dark')).toBeInTheDocument();
  });
});
