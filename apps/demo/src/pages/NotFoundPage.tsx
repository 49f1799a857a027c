import { PageHeader } from '../components/Layout';
import { linkHandler } from '../router';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" description="This page does not exist in Relay." />
      <a className="button button-primary" href="/data-sources" onClick={linkHandler('/data-sources')}>
        Go to Data sources
      </a>
    </>
  );
}
