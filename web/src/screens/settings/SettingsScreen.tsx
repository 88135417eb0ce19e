/**
 * `/settings/*`: the account and workspace pages — API keys, Members, Webhooks, Audit log (the current
 * workspace), Workspaces and Account (mine) — beside a settings navigation. Pages a role cannot use are not
 * listed (Members always is: non-admins learn who manages it); their addresses say so instead.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { Alert } from '../../components/Alert.js';
import { PageHeader } from '../../components/Layout.js';
import { Link, navigate } from '../../router.js';
import { useSession } from '../../session.js';
import type { Permission } from '../../types.js';
import { AccountScreen } from './AccountScreen.js';
import { ApiKeysScreen } from './ApiKeysScreen.js';
import { AuditScreen } from './AuditScreen.js';
import { MembersScreen } from './MembersScreen.js';
import { WebhooksScreen } from './WebhooksScreen.js';
import { WorkspacesScreen } from './WorkspacesScreen.js';

interface SettingsPage {
  path: string;
  label: string;
  group: 'workspace' | 'personal';
  /** Listed only for roles with it (null: always). */
  permission: Permission | null;
  render: () => ReactNode;
}

export const SETTINGS_PAGES: SettingsPage[] = [
  {
    path: '/settings/api-keys',
    label: 'API keys',
    group: 'workspace',
    permission: 'api_keys:manage',
    render: () => <ApiKeysScreen />,
  },
  {
    path: '/settings/members',
    label: 'Members',
    group: 'workspace',
    permission: null,
    render: () => <MembersScreen />,
  },
  {
    path: '/settings/webhooks',
    label: 'Webhooks',
    group: 'workspace',
    permission: 'webhooks:manage',
    render: () => <WebhooksScreen />,
  },
  {
    path: '/settings/audit',
    label: 'Audit log',
    group: 'workspace',
    permission: 'audit:read',
    render: () => <AuditScreen />,
  },
  {
    path: '/settings/workspaces',
    label: 'Workspaces',
    group: 'personal',
    permission: null,
    render: () => <WorkspacesScreen />,
  },
  {
    path: '/settings/account',
    label: 'Account',
    group: 'personal',
    permission: null,
    render: () => <AccountScreen />,
  },
];

export function SettingsScreen({ path }: { path: string }) {
  const { session, can } = useSession();
  const listed = SETTINGS_PAGES.filter((p) => p.permission === null || can(p.permission));
  const page = SETTINGS_PAGES.find((p) => p.path === path);
  const home = listed[0]!.path;

  useEffect(() => {
    if (path === '/settings') navigate(home, { replace: true });
  }, [path, home]);

  // On a narrow screen the navigation is a row that scrolls sideways: keep the current page in view.
  const nav = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = nav.current;
    const current = el?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!el || !current || el.scrollWidth <= el.clientWidth) return;
    const left = current.offsetLeft - el.offsetLeft;
    if (left < el.scrollLeft || left + current.offsetWidth > el.scrollLeft + el.clientWidth) {
      el.scrollLeft = left - 16;
    }
  }, [path]);

  const group = (g: SettingsPage['group'], title: ReactNode) => (
    <div className="settings-nav-group">
      <div className="settings-nav-title">{title}</div>
      <ul>
        {listed
          .filter((p) => p.group === g)
          .map((p) => (
            <li key={p.path}>
              <Link href={p.path} aria-current={p.path === path ? 'page' : undefined}>
                {p.label}
              </Link>
            </li>
          ))}
      </ul>
    </div>
  );

  return (
    <>
      <PageHeader title="Settings" />
      <div className="settings">
        <nav aria-label="Settings" className="settings-nav" ref={nav}>
          {group(
            'workspace',
            <>
              Workspace <span className="settings-nav-ws">{session.workspace.name}</span>
            </>,
          )}
          {group('personal', 'You')}
        </nav>
        <div className="settings-body">
          {page
            ? page.render()
            : path !== '/settings' && (
                <Alert tone="warning" title="Page not found">
                  There is no settings page at <code>{path}</code>.
                </Alert>
              )}
        </div>
      </div>
    </>
  );
}
