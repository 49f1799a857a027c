/**
 * **New data source**: the host's catalog of integrations. Only **Segment webhook (advanced)** is
 * part of this demo; its card opens a description with **Get started**.
 */
import { useMemo, useState } from 'react';
import { ArrowLeftIcon, SearchIcon } from '../components/icons';
import { PageHeader } from '../components/Layout';
import { linkHandler, navigate } from '../router';

type Category = 'Analytics' | 'E-commerce' | 'CRM' | 'Files' | 'Developer';

interface CatalogItem {
  id: string;
  name: string;
  category: Category;
  direction: 'Inbound' | 'Outbound';
  summary: string;
  logo: { text: string; color: string };
  available: boolean;
}

const ITEMS: CatalogItem[] = [
  {
    id: 'segment-webhook',
    name: 'Segment webhook (advanced)',
    category: 'Analytics',
    direction: 'Outbound',
    summary: 'Send activity events to your Segment workspace as track calls, in real time.',
    logo: { text: 'S', color: '#52bd95' },
    available: true,
  },
  {
    id: 'segment',
    name: 'Segment',
    category: 'Analytics',
    direction: 'Inbound',
    summary: 'Receive identify and track calls from Segment.',
    logo: { text: 'S', color: '#2a7a5f' },
    available: false,
  },
  {
    id: 'shopify',
    name: 'Shopify',
    category: 'E-commerce',
    direction: 'Inbound',
    summary: 'Customers, orders and abandoned carts from your store.',
    logo: { text: 'Sh', color: '#5e8e3e' },
    available: false,
  },
  {
    id: 'stripe',
    name: 'Stripe',
    category: 'E-commerce',
    direction: 'Inbound',
    summary: 'Subscriptions, invoices and payments.',
    logo: { text: 'St', color: '#635bff' },
    available: false,
  },
  {
    id: 'salesforce',
    name: 'Salesforce',
    category: 'CRM',
    direction: 'Inbound',
    summary: 'Leads, contacts and opportunities, synced both ways.',
    logo: { text: 'Sf', color: '#0b8cd6' },
    available: false,
  },
  {
    id: 'hubspot',
    name: 'HubSpot',
    category: 'CRM',
    direction: 'Inbound',
    summary: 'Contacts and companies from HubSpot CRM.',
    logo: { text: 'Hs', color: '#ff7a59' },
    available: false,
  },
  {
    id: 'csv',
    name: 'CSV upload',
    category: 'Files',
    direction: 'Inbound',
    summary: 'Import people and activities from a spreadsheet.',
    logo: { text: 'CSV', color: '#64748b' },
    available: false,
  },
  {
    id: 'api',
    name: 'Custom API',
    category: 'Developer',
    direction: 'Inbound',
    summary: 'Report people and activities from your own backend.',
    logo: { text: '{ }', color: '#334155' },
    available: false,
  },
];

const CATEGORIES: ('All data sources' | Category)[] = [
  'All data sources',
  'Analytics',
  'E-commerce',
  'CRM',
  'Files',
  'Developer',
];

function Logo({ item, size = 40 }: { item: CatalogItem; size?: number }) {
  return (
    <span
      className="integration-logo"
      style={{ background: item.logo.color, width: size, height: size, fontSize: size / 2.8 }}
      aria-hidden="true"
    >
      {item.logo.text}
    </span>
  );
}

export function CatalogPage() {
  const [category, setCategory] = useState<(typeof CATEGORIES)[number]>('All data sources');
  const [query, setQuery] = useState('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const items = useMemo(
    () =>
      ITEMS.filter(
        (item) =>
          (category === 'All data sources' || item.category === category) &&
          item.name.toLowerCase().includes(query.trim().toLowerCase()),
      ),
    [category, query],
  );
  const selected = ITEMS.find((item) => item.id === selectedId) ?? null;

  if (selected) {
    return (
      <div className="catalog-detail">
        <button type="button" className="button button-ghost button-sm back-button" onClick={() => setSelectedId(null)}>
          <ArrowLeftIcon /> All data sources
        </button>
        <section className="card detail-card" aria-labelledby="integration-title">
          <div className="detail-head">
            <Logo item={selected} size={56} />
            <div>
              <h1 id="integration-title" className="page-title">
                {selected.name}
              </h1>
              <p className="muted">
                {selected.category} · {selected.direction} data stream
              </p>
            </div>
            <div className="detail-actions">
              {selected.available ? (
                <a
                  className="button button-primary"
                  href="/data-sources/new/segment-webhook"
                  onClick={linkHandler('/data-sources/new/segment-webhook')}
                >
                  Get started
                </a>
              ) : (
                <button type="button" className="button button-primary" disabled>
                  Not in this demo
                </button>
              )}
            </div>
          </div>
          {selected.id === 'segment-webhook' ? (
            <div className="detail-body">
              <p>
                The Segment webhook makes Relay a Segment source: it sends your activity events to your Segment
                workspace as <code>track</code> calls, in real time, to forward them to the analytics tools you use.
              </p>
              <div className="callout">
                This is an <strong>outbound</strong> data stream, separate from the Segment data source (inbound).
              </div>
              <h2>Before you start</h2>
              <p>
                You need a Segment workspace with an active <strong>HTTP tracking API</strong> source. Copy its{' '}
                <strong>Write key</strong>: you will paste it on the setup page.
              </p>
              <h2>What it adds to your account</h2>
              <ul>
                <li>
                  A <strong>Send to webhook</strong> action for journeys and playbooks.
                </li>
                <li>
                  Segment webhook as a <strong>Data destination</strong> for your activities. Each activity sent to a
                  Segment webhook counts as one outbound activity stream.
                </li>
              </ul>
            </div>
          ) : (
            <div className="detail-body">
              <p>{selected.summary}</p>
              <p className="muted">This integration is not part of the Segment webhook kit demo.</p>
            </div>
          )}
        </section>
      </div>
    );
  }

  return (
    <>
      <PageHeader
        title="New data source"
        description="Connect a data source to bring data into Relay, or to stream your activity out to other tools."
        breadcrumbs={[{ label: 'Data sources', href: '/data-sources' }]}
        actions={
          <button type="button" className="button button-ghost" onClick={() => navigate('/data-sources')}>
            Cancel
          </button>
        }
      />
      <div className="catalog">
        <nav className="catalog-categories" aria-label="Categories">
          <ul>
            {CATEGORIES.map((name) => (
              <li key={name}>
                <button
                  type="button"
                  className="category-button"
                  aria-pressed={category === name}
                  onClick={() => setCategory(name)}
                >
                  {name}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <section className="catalog-main" aria-label={category}>
          <div className="search-field">
            <SearchIcon />
            <input
              className="input"
              type="search"
              placeholder="Search data sources"
              aria-label="Search data sources"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
            />
          </div>
          <h2 className="catalog-heading">{category}</h2>
          <ul className="catalog-grid">
            {items.map((item) => (
              <li key={item.id}>
                <button
                  type="button"
                  className="integration-card"
                  data-available={item.available}
                  onClick={() => setSelectedId(item.id)}
                >
                  <Logo item={item} />
                  <span className="integration-name">{item.name}</span>
                  <span className="integration-summary">{item.summary}</span>
                  <span className="integration-tags">
                    <span className="tag">{item.direction}</span>
                    {item.available && <span className="tag tag-accent">Available</span>}
                  </span>
                </button>
              </li>
            ))}
            {items.length === 0 && <li className="muted">No data source matches “{query}”.</li>}
          </ul>
        </section>
      </div>
    </>
  );
}
