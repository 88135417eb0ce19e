import type { ReactNode } from 'react';
import { Link, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { LogoMark } from './icons.js';
import { WorkspaceSwitcher } from './WorkspaceSwitcher.js';

const NAV = [
  { href: '/connectors', label: 'Connectors', also: ['/credentials'] },
  { href: '/sources', label: 'Sources', also: [] },
  { href: '/destinations', label: 'Destinations', also: [] },
  { href: '/settings', label: 'Settings', also: [] },
];

/** Header (brand, navigation, the workspace switcher, who is signed in, Sign out) and the page body. */
export function Layout({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const { path } = useLocation();
  const current = (href: string, also: string[]) =>
    [href, ...also].some((p) => path === p || path.startsWith(`${p}/`));
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <Link href="/connectors" className="brand">
            <LogoMark />
            <span>Latchkey</span>
          </Link>
          <nav aria-label="Main" className="main-nav">
            {NAV.map((n) => (
              <Link key={n.href} href={n.href} aria-current={current(n.href, n.also) ? 'page' : undefined}>
                {n.label}
              </Link>
            ))}
            <a href="/docs" target="_blank" rel="noreferrer">
              API
            </a>
          </nav>
          <div className="user-menu">
            <WorkspaceSwitcher />
            <span className="user-email" title={`${session.workspace.name} · ${session.role}`}>
              {session.user?.email ?? 'API key'}
            </span>
            <span className="badge badge-neutral role-badge">{session.role}</span>
            <button type="button" className="button button-small button-ghost" onClick={signOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** A screen's heading row: title, optional lead text and actions. */
export function PageHeader({
  title,
  lead,
  actions,
  icon,
  eyebrow,
}: {
  title: ReactNode;
  lead?: ReactNode;
  actions?: ReactNode;
  icon?: ReactNode;
  eyebrow?: ReactNode;
}) {
  return (
    <div className="page-header">
      {icon && <div className="page-header-icon">{icon}</div>}
      <div className="page-header-text">
        {eyebrow && <div className="eyebrow">{eyebrow}</div>}
        <h1>{title}</h1>
        {lead && <p className="lead">{lead}</p>}
      </div>
      {actions && <div className="page-header-actions">{actions}</div>}
    </div>
  );
}

export function Breadcrumbs({ items }: { items: { href?: string; label: string }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {items.map((item, i) => (
          <li key={i}>
            {item.href ? (
              <Link href={item.href}>{item.label}</Link>
            ) : (
              <span aria-current="page">{item.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
