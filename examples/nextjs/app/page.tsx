// The kit's components are client components; the page renders them in the App Router.
import { ExamplePage } from '@segment-webhook/example-shared/page';

export default function Page() {
  return <ExamplePage framework="Next.js" />;
}
