/** The data source view of one Segment webhook (rename, Actions, Overview / Logs / Settings). */
import { DataSourceView, type DataSourceViewTab } from '@segment-webhook/ui';
import { useToast } from '../components/Toasts';
import { linkHandler, navigate } from '../router';

const TABS: readonly DataSourceViewTab[] = ['overview', 'logs', 'settings'];

/** The tab in the URL (`?tab=logs`), so a tab can be linked to and survives a reload. */
function tabFromUrl(): DataSourceViewTab {
  const tab = new URLSearchParams(window.location.search).get('tab');
  return TABS.find((item) => item === tab) ?? 'overview';
}

export function DataSourcePage({ webhookId }: { webhookId: string }) {
  const toast = useToast();
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <ol>
          <li>
            <a href="/data-sources" onClick={linkHandler('/data-sources')}>
              Data sources
            </a>
          </li>
        </ol>
      </nav>
      <DataSourceView
        className="card view-card"
        webhookId={webhookId}
        defaultTab={tabFromUrl()}
        onTabChange={(tab) => {
          const url = new URL(window.location.href);
          if (tab === 'overview') url.searchParams.delete('tab');
          else url.searchParams.set('tab', tab);
          window.history.replaceState(null, '', url);
        }}
        onDeleted={(webhook) => {
          toast(`${webhook.name} was deleted`);
          navigate('/data-sources');
        }}
      />
    </>
  );
}
