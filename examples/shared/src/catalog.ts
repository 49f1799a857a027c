/**
 * The host's catalog and plan, in one place for every example: the demo's activities and five outbound
 * activity streams per account.
 */
import type { Catalog } from '@segment-webhook/server';

export const catalog: Catalog = {
  activities: [
    { id: 'order-placed', name: 'Order placed' },
    { id: 'email-opened', name: 'Email opened' },
    { id: 'form-submitted', name: 'Form submitted' },
    { id: 'survey-completed', name: 'Survey completed' },
  ],
  fields: {
    person: [
      { key: 'email', label: 'Email' },
      { key: 'first_name', label: 'First name' },
      { key: 'country', label: 'Country' },
    ],
    activity: [
      { key: 'total', label: 'Total' },
      { key: 'campaign', label: 'Campaign' },
      { key: 'score', label: 'Score' },
    ],
  },
};

/** Outbound activity streams included in every account's plan. */
export const plan = (_accountId: string) => 5;
