import type { CSSProperties } from 'react';
import type { Connector } from '../types.js';

const HUES = [212, 160, 265, 24, 340, 190, 45];

function hueOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return HUES[h % HUES.length]!;
}

/** The connector's logo, or a monogram tile in a colour stable for its id. */
export function ConnectorLogo({
  connector,
  size = 40,
}: {
  connector: Pick<Connector, 'id' | 'name' | 'logo'>;
  size?: number;
}) {
  if (connector.logo) {
    return <img className="logo" src={connector.logo} alt="" width={size} height={size} />;
  }
  const hue = hueOf(connector.id.replace(/-sandbox$/, ''));
  const letters = connector.name.replace(/[^\p{L}\p{N}]/gu, '').slice(0, 2);
  return (
    <span
      className="logo logo-monogram"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.4, '--hue': hue } as CSSProperties}
    >
      {letters.charAt(0).toUpperCase() + letters.slice(1, 2).toLowerCase()}
    </span>
  );
}

export function SandboxBadge() {
  return (
    <span className="badge badge-sandbox" title="An offline test provider built into Latchkey">
      Sandbox
    </span>
  );
}
