/** Pieces the settings pages share: a section heading, "not for your role", dates. */
import type { ReactNode } from 'react';
import { Alert } from '../../components/Alert.js';
import { absolute, relative } from '../../format.js';
import { can, ROLE_LABEL, ROLES } from '../../permissions.js';
import { useSession } from '../../session.js';
import type { Permission } from '../../types.js';

export function SectionHeader({
  title,
  lead,
  actions,
}: {
  title: ReactNode;
  lead?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="page-header settings-header">
      <div className="page-header-text">
        <h2>{title}</h2>
        {lead && <p className="lead">{lead}</p>}
      </div>
      {actions && <div className="page-header-actions">{actions}</div>}
    </div>
  );
}

/** "admins and editors": the roles that hold a permission, in words. */
export function rolesWith(permission: Permission): string {
  const names = ROLES.filter((r) => can(r, permission)).map((r) => `${ROLE_LABEL[r].toLowerCase()}s`);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0]!;
}

/** Shown instead of a page the caller's role cannot use (the API would answer 403). */
export function NotForYourRole({ permission, what }: { permission: Permission; what: string }) {
  const { session } = useSession();
  const who = rolesWith(permission);
  return (
    <Alert tone="info" title={`Only ${who} ${what}`}>
      Your role in <strong>{session.workspace.name}</strong> is {session.role}. Ask an admin if you need more
      access.
    </Alert>
  );
}

export function When({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={absolute(iso)}>
      {relative(iso)}
    </time>
  );
}
