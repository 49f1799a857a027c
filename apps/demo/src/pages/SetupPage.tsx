/** The Segment webhook setup page, opened from the catalog's **Get started**. */
import { SegmentWebhookSetup } from '@segment-webhook/ui';
import { PageHeader } from '../components/Layout';
import { useToast } from '../components/Toasts';
import { dataSourcePath, navigate } from '../router';

export function SetupPage() {
  const toast = useToast();
  return (
    <>
      <PageHeader
        title="Set up your Segment webhook"
        description="Send your activity events to a Segment HTTP API source as track calls."
        breadcrumbs={[
          { label: 'Data sources', href: '/data-sources' },
          { label: 'New data source', href: '/data-sources/new' },
        ]}
      />
      <SegmentWebhookSetup
        onCreated={(webhook) => {
          toast(`${webhook.name} is connected`);
          navigate(dataSourcePath(webhook.id));
        }}
        onCancel={() => navigate('/data-sources/new')}
      />
    </>
  );
}
