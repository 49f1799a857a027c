/** The host product's chrome: left navigation, a header with the account switcher, the debugger panel. */
import type { ReactNode } from 'react';
import { accountName } from '../account';
import { linkHandler } from '../router';
import { AccountSwitcher } from './AccountSwitcher';
import { ActivityIcon, BugIcon, DatabaseIcon, JourneyIcon } from './icons';
import { Notifications } from './Notifications';
import { SimulateActivity } from './SimulateActivity';

/** Sections of the left navigation. */
export type Section = 'data-sources' | 'activities' | 'journeys';

const NAV: { section: Section; label: string; href: string; icon: ReactNode }[] = [
  { section: 'data-sources', label: 'Data sources', href: '/data-sources', icon: <DatabaseIcon /> },
  { section: 'activities', label: 'Activities', href: '/activities', icon: <ActivityIcon /> },
  { section: 'journeys', label: 'Journeys', href: '/journeys', icon: <JourneyIcon /> },
];

export interface LayoutProps {
  section: Section | null;
  account: string;
  onAccountChange: (account: string) => void;
  debuggerOpen: boolean;
  onDebuggerToggle: () => void;
  /** The debugger panel, shown beside the page when open. */
  debuggerPanel: ReactNode;
  children: ReactNode;
}

export function Layout({
  section,
  account,
  onAccountChange,
  debuggerOpen,
  onDebuggerToggle,
  debuggerPanel,
  children,
}: LayoutProps) {
  return (
    <div className="app" data-debugger={debuggerOpen ? 'open' : 'closed'}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <a className="brand" href="/data-sources" onClick={linkHandler('/data-sources')}>
          <span className="brand-mark" aria-hidden="true">
            <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="8" fill="currentColor" />
              <path
                d="M9 20l5-8 4 6 3-4 3 6"
                stroke="#fff"
                strokeWidth="2.5"
                fill="none"
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            </svg>
          </span>
          <span className="brand-name">Relay</span>
        </a>
        <nav aria-label="Main">
          <p className="nav-heading">Customer data</p>
          <ul className="nav">
            {NAV.map((item) => (
              <li key={item.section}>
                <a
                  href={item.href}
                  onClick={linkHandler(item.href)}
                  className="nav-link"
                  title={item.label}
                  aria-current={section === item.section ? 'page' : undefined}
                >
                  {item.icon}
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-footer">
          <span className="sidebar-account">{accountName(account)}</span>
          <span className="sidebar-hint">Segment webhook kit demo</span>
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          <div className="topbar-spacer" />
          <SimulateActivity account={account} />
          <button
            type="button"
            className="button button-secondary"
            aria-pressed={debuggerOpen}
            onClick={onDebuggerToggle}
          >
            <BugIcon width={16} height={16} />
            Segment debugger
          </button>
          <Notifications account={account} />
          <AccountSwitcher account={account} onChange={onAccountChange} />
        </header>
        <div className="workspace">
          <main id="main" className="page" tabIndex={-1}>
            {children}
          </main>
          {debuggerOpen && debuggerPanel}
        </div>
      </div>
    </div>
  );
}

/** A page's title block: breadcrumbs, the title, a description and actions. */
export function PageHeader({
  title,
  description,
  breadcrumbs,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  breadcrumbs?: { label: string; href: string }[];
  actions?: ReactNode;
}) {
  return (
    <div className="page-header">
      {breadcrumbs && breadcrumbs.length > 0 && (
        <nav aria-label="Breadcrumb" className="breadcrumbs">
          <ol>
            {breadcrumbs.map((crumb) => (
              <li key={crumb.href}>
                <a href={crumb.href} onClick={linkHandler(crumb.href)}>
                  {crumb.label}
                </a>
              </li>
            ))}
          </ol>
        </nav>
      )}
      <div className="page-header-row">
        <div>
          <h1 className="page-title">{title}</h1>
          {description && <p className="page-description">{description}</p>}
        </div>
        {actions && <div className="page-actions">{actions}</div>}
      </div>
    </div>
  );
}
