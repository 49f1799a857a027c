/** **Activities**: each activity's Data destination, and the plan's outbound activity streams. */
import { ActivityDestinations } from '@segment-webhook/ui';
import { ACTIVITIES } from '../catalog';
import { PageHeader } from '../components/Layout';

export function ActivitiesPage() {
  return (
    <>
      <PageHeader
        title="Activities"
        description="Things people do that Relay records. Set an activity's Data destination to a Segment webhook to stream it to Segment in real time."
      />
      <ActivityDestinations />
      <section className="card activity-glossary" aria-labelledby="glossary-title">
        <h2 id="glossary-title" className="card-title">
          About these activities
        </h2>
        <dl>
          {ACTIVITIES.map((activity) => (
            <div key={activity.id}>
              <dt>{activity.name}</dt>
              <dd>
                {activity.description} <span className="muted">Attributes: {activity.attributes.join(', ')}.</span>
              </dd>
            </div>
          ))}
        </dl>
      </section>
    </>
  );
}
