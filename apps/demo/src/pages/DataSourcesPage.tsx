/** **Data sources**: the account's Segment webhooks, and **New data source**. */
import { DataSourceList } from '@segment-webhook/ui';
import { PageHeader } from '../components/Layout';
import { dataSourcePath, navigate } from '../router';

export function DataSourcesPage() {
  return (
    <>
      <PageHeader
        title="Data sources"
        description="Where your customer data comes from, and where your activity streams go."
      />
      <DataSourceList
        onNew={() => navigate('/data-sources/new')}
        onSelect={(webhook) => navigate(dataSourcePath(webhook.id))}
      />
    </>
  );
}
