import { QueryClient } from '@tanstack/react-query';

/**
 * A QueryClient for stories and tests: no retries (errors show at once), no refetch on focus, and
 * data kept fresh for 30 s so a story does not refetch under a play function.
 */
export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, staleTime: 30_000, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
