/** The data source view of one Segment webhook (rename, Actions, Overview / Logs / Settings). */
import { DataSourceView } from '@segment-webhook/ui';
import { useToast } from '../components/Toasts';
import { linkHandler, navigate } from '../router';

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
        webhookId={webhookId}
        onDeleted={() => {
          toast('The Segment webhook was deleted');
          navigate('/data-sources');
        }}
      />
    </>
  );
}
