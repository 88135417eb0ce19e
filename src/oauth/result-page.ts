/** The small page shown at the end of an authorization that has no return address (or cannot use it). */

function escape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function resultPage(outcome: { ok: boolean; title: string; detail: string }): string {
  const colour = outcome.ok ? '#137333' : '#b3261e';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(outcome.title)} — Latchkey</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f7f9;color:#1f2328;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border:1px solid #d8dee4;border-radius:12px;padding:2rem 2.5rem;max-width:32rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:1.25rem;margin:0 0 .75rem;color:${colour}}p{line-height:1.5;margin:.5rem 0}small{color:#59636e}
</style></head>
<body><main><h1>${escape(outcome.title)}</h1><p>${escape(outcome.detail)}</p><p><small>Latchkey — you can close this window.</small></p></main></body></html>`;
}
