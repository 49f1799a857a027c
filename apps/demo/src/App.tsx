/** The host dashboard: the product's chrome around the Segment webhook kit's components. */

import { SegmentWebhookProvider } from '@segment-webhook/ui';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { readAccountCookie, writeAccountCookie } from './account';
import { DebuggerPanel } from './components/DebuggerPanel';
import { Layout, type Section } from './components/Layout';
import { ToastProvider } from './components/Toasts';
import { API_BASE } from './config';
import { ActivitiesPage } from './pages/ActivitiesPage';
import { CatalogPage } from './pages/CatalogPage';
import { DataSourcePage } from './pages/DataSourcePage';
import { DataSourcesPage } from './pages/DataSourcesPage';
import { JourneysPage } from './pages/JourneysPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SetupPage } from './pages/SetupPage';
import { matchRoute, navigate, type Route, usePathname } from './router';

const DEBUGGER_KEY = 'relay.debugger';

function sectionOf(route: Route): Section | null {
  switch (route.page) {
    case 'data-sources':
    case 'catalog':
    case 'setup':
    case 'data-source':
      return 'data-sources';
    case 'activities':
      return 'activities';
    case 'journeys':
      return 'journeys';
    case 'not-found':
      return null;
  }
}

const TITLES: Record<Route['page'], string> = {
  'data-sources': 'Data sources',
  catalog: 'New data source',
  setup: 'Segment webhook setup',
  'data-source': 'Segment webhook',
  activities: 'Activities',
  journeys: 'Journeys',
  'not-found': 'Not found',
};

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'data-sources':
      return <DataSourcesPage />;
    case 'catalog':
      return <CatalogPage />;
    case 'setup':
      return <SetupPage />;
    case 'data-source':
      return <DataSourcePage webhookId={route.id} />;
    case 'activities':
      return <ActivitiesPage />;
    case 'journeys':
      return <JourneysPage />;
    case 'not-found':
      return <NotFoundPage />;
  }
}

export function App() {
  const [account, setAccount] = useState(readAccountCookie);
  // Everything below is keyed by the account: switching remounts it with a fresh cache, so one
  // account never sees another's cached data.
  return <AccountScope key={account} account={account} onAccountChange={setAccount} />;
}

function AccountScope({ account, onAccountChange }: { account: string; onAccountChange: (account: string) => void }) {
  const [debuggerOpen, setDebuggerOpen] = useState(() => window.localStorage.getItem(DEBUGGER_KEY) === 'open');
  const pathname = usePathname();
  const route = matchRoute(pathname);
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } }),
  );
  const headers = useMemo(() => ({ 'x-account-id': account }), [account]);

  useEffect(() => {
    document.title = `${TITLES[route.page]} · Relay`;
  }, [route.page]);

  function switchAccount(next: string) {
    if (next === account) return;
    writeAccountCookie(next);
    if (route.page === 'data-source' || route.page === 'setup') navigate('/data-sources');
    onAccountChange(next);
  }

  function toggleDebugger() {
    setDebuggerOpen((open) => {
      window.localStorage.setItem(DEBUGGER_KEY, open ? 'closed' : 'open');
      return !open;
    });
  }

  return (
    <QueryClientProvider client={queryClient}>
      <SegmentWebhookProvider baseUrl={API_BASE} headers={headers} productName="Relay" theme="light">
        <ToastProvider>
          <Layout
            section={sectionOf(route)}
            account={account}
            onAccountChange={switchAccount}
            debuggerOpen={debuggerOpen}
            onDebuggerToggle={toggleDebugger}
            debuggerPanel={<DebuggerPanel onClose={toggleDebugger} />}
          >
            <Page key={pathname} route={route} />
          </Layout>
        </ToastProvider>
      </SegmentWebhookProvider>
    </QueryClientProvider>
  );
}
