/**
 * The sandbox's HTML pages, as pure functions of their data: self-contained (inline CSS, no external
 * asset), every input with a label, every user-supplied text escaped, and the sandbox banner on top.
 * Forms are plain `<form method="post">` with hidden inputs and named buttons, so that both a browser and
 * a cookie-keeping HTTP client can use them.
 */
import { LOGO_DATA_URI, SANDBOX_LABEL } from './brand.js';
import { DEMO_USER } from './advertisements.js';
import { DEMO_PASSWORD } from './sessions.js';
import { SCOPE_DESCRIPTIONS, type Scope } from './protocol.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2933;background:#f4f5f7}
.banner{background:repeating-linear-gradient(45deg,#f5a623,#f5a623 12px,#f7c46c 12px,#f7c46c 24px);color:#1f2933;font-weight:700;text-align:center;padding:.45rem}
header{display:flex;align-items:center;gap:.6rem;padding:.8rem 1.5rem;background:#1d3b6f;color:#fff}
header img{width:32px;height:32px}
header .name{font-weight:700;font-size:1.2rem}
header .tag{font-size:.75rem;text-transform:uppercase;letter-spacing:.08em;background:#f5a623;color:#1f2933;border-radius:4px;padding:.1rem .4rem}
main{max-width:44rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:1.5rem;margin-bottom:1.5rem}
h1{font-size:1.5rem;margin:0 0 1rem}
h2{font-size:1.15rem;margin:0 0 .8rem}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input[type=email],input[type=password],input[type=text],textarea,select{width:100%;padding:.55rem .65rem;border:1px solid #9aa5b1;border-radius:6px;font:inherit}
textarea{min-height:6rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem}
.hint{color:#52606d;font-size:.875rem;margin:.25rem 0 0}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{font:inherit;font-weight:600;padding:.6rem 1.3rem;border-radius:6px;border:1px solid #1d3b6f;cursor:pointer}
button.primary{background:#1d3b6f;color:#fff}
button.secondary{background:#fff;color:#1d3b6f}
button:focus-visible,input:focus-visible,textarea:focus-visible,select:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.error{background:#fde8e8;border:1px solid #e12d39;color:#8a041a;border-radius:6px;padding:.6rem .8rem}
.notice{background:#fff8e6;border:1px solid #f5a623;border-radius:6px;padding:.6rem .8rem}
.secret{background:#e8f4fd;border:1px solid #2680c2;border-radius:6px;padding:.8rem}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem;word-break:break-all}
ul.scopes{padding-left:1.2rem}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .4rem;border-bottom:1px solid #e4e7eb}
footer{text-align:center;color:#52606d;font-size:.8rem;padding:1rem}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · 2ememain sandbox</title>
<style>${CSS}</style>
</head>
<body>
<div class="banner" role="note">${SANDBOX_LABEL}</div>
<header><img src="${LOGO_DATA_URI}" alt=""><span class="name">2ememain</span><span class="tag">sandbox</span></header>
<main>
${body}
</main>
<footer>${SANDBOX_LABEL}. Offline test provider of Latchkey: no real account, no real data.</footer>
</body>
</html>
`;
}

const errorBox = (message: string | undefined) =>
  message ? `<p class="error" role="alert">${escapeHtml(message)}</p>\n` : '';

export function errorPage(title: string, message: string): string {
  return layout(title, `<div class="card"><h1>${escapeHtml(title)}</h1>${errorBox(message)}</div>`);
}

export interface SignInPageData {
  action: string;
  requestId: string;
  clientName: string;
  email?: string;
  error?: string;
}

export function signInPage(d: SignInPageData): string {
  return layout(
    'Sign in',
    `<div class="card">
<h1>Sign in to 2ememain</h1>
<p><strong>${escapeHtml(d.clientName)}</strong> wants to connect to your 2ememain account.</p>
${errorBox(d.error)}<p class="notice">Demo account: <span class="mono">${DEMO_USER.email}</span> with password <span class="mono">${DEMO_PASSWORD}</span></p>
<form method="post" action="${escapeHtml(d.action)}">
<input type="hidden" name="request_id" value="${escapeHtml(d.requestId)}">
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="${escapeHtml(d.email ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" class="primary" name="action" value="sign-in">Sign in</button></div>
</form>
</div>`,
  );
}

export interface ConsentPageData {
  action: string;
  requestId: string;
  clientName: string;
  redirectUri: string;
  scopes: string[];
  user: string;
}

export function consentPage(d: ConsentPageData): string {
  const scopes = d.scopes
    .map((s) => `<li><code>${escapeHtml(s)}</code> — ${escapeHtml(SCOPE_DESCRIPTIONS[s as Scope] ?? s)}</li>`)
    .join('\n');
  return layout(
    'Authorize',
    `<div class="card">
<h1>Authorize ${escapeHtml(d.clientName)}?</h1>
<p>Signed in as <strong>${escapeHtml(d.user)}</strong>.</p>
<p><strong>${escapeHtml(d.clientName)}</strong> asks to:</p>
<ul class="scopes">
${scopes}
</ul>
<p class="hint">You will then be sent back to <span class="mono">${escapeHtml(d.redirectUri)}</span>.</p>
<form method="post" action="${escapeHtml(d.action)}">
<input type="hidden" name="request_id" value="${escapeHtml(d.requestId)}">
<div class="actions">
<button type="submit" class="primary" name="decision" value="authorize">Authorize</button>
<button type="submit" class="secondary" name="decision" value="deny">Deny</button>
</div>
</form>
</div>`,
  );
}

export interface AppSummary {
  clientId: string;
  name: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: string;
  issuedAt: number;
}

export interface DeveloperPageData {
  action: string;
  csrf: string;
  apps: AppSummary[];
  created?: { clientId: string; clientSecret: string; name: string };
  error?: string;
  values?: { name: string; redirectUris: string; authMethod: string };
}

export function developerPage(d: DeveloperPageData): string {
  const created = d.created
    ? `<div class="card secret" role="status">
<h2>Application “${escapeHtml(d.created.name)}” registered</h2>
<p>Copy the Client Secret now: it is shown only once.</p>
<p><strong>Client ID</strong><br><code id="client-id">${escapeHtml(d.created.clientId)}</code></p>
<p><strong>Client Secret</strong><br><code id="client-secret">${escapeHtml(d.created.clientSecret)}</code></p>
</div>\n`
    : '';
  const method = d.values?.authMethod ?? 'client_secret_post';
  const option = (value: string, text: string) =>
    `<option value="${value}"${value === method ? ' selected' : ''}>${text}</option>`;
  const rows = d.apps
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.name)}</td><td><code>${escapeHtml(a.clientId)}</code></td>` +
        `<td>${a.redirectUris.map((u) => `<code>${escapeHtml(u)}</code>`).join('<br>')}</td>` +
        `<td>${escapeHtml(a.tokenEndpointAuthMethod)}</td><td>${new Date(a.issuedAt).toISOString().slice(0, 10)}</td></tr>`,
    )
    .join('\n');
  return layout(
    'Developer > API Settings',
    `<h1>Developer › API Settings</h1>
${created}<div class="card">
<h2>Register an application</h2>
${errorBox(d.error)}<form method="post" action="${escapeHtml(d.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(d.csrf)}">
<label for="app-name">Application name</label>
<input type="text" id="app-name" name="name" required maxlength="200" value="${escapeHtml(d.values?.name ?? '')}">
<label for="redirect-uris">Redirect URIs</label>
<textarea id="redirect-uris" name="redirect_uris" required aria-describedby="redirect-hint">${escapeHtml(d.values?.redirectUris ?? '')}</textarea>
<p class="hint" id="redirect-hint">One per line, absolute http(s) URIs; an authorization request must name one of them exactly.</p>
<label for="auth-method">Token endpoint authentication</label>
<select id="auth-method" name="token_endpoint_auth_method">
${option('client_secret_post', 'client_secret_post (credentials in the form body, as 2ememain)')}
${option('client_secret_basic', 'client_secret_basic (HTTP Basic)')}
</select>
<div class="actions"><button type="submit" class="primary" name="action" value="register">Register application</button></div>
</form>
</div>
<div class="card">
<h2>Registered applications</h2>
${
  d.apps.length
    ? `<table><thead><tr><th>Name</th><th>Client ID</th><th>Redirect URIs</th><th>Authentication</th><th>Created</th></tr></thead>
<tbody>
${rows}
</tbody></table>`
    : '<p>No application yet.</p>'
}
</div>`,
  );
}

export function indexPage(basePath: string, issuer: string): string {
  return layout(
    '2ememain sandbox',
    `<div class="card">
<h1>2ememain sandbox</h1>
<p>An offline OAuth 2.0 provider and Marktplaats-style API, to try Latchkey without a real account.</p>
<ul>
<li><a href="${escapeHtml(basePath)}/developer/api-settings">Developer › API Settings</a>: register an application</li>
<li><a href="${escapeHtml(basePath)}/.well-known/oauth-authorization-server">Authorization server metadata</a> (RFC 8414)</li>
</ul>
<p>Issuer: <code>${escapeHtml(issuer)}</code></p>
<p>Demo account: <span class="mono">${DEMO_USER.email}</span> / <span class="mono">${DEMO_PASSWORD}</span></p>
</div>`,
  );
}
