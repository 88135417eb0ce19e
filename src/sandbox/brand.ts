/** How the sandbox names and shows itself: never as the real 2ememain. */

export const SANDBOX_LABEL = 'Sandbox — not the real 2ememain';
export const REALM = '2ememain sandbox';

/** A small badge: the "2" of 2ememain on a striped (sandbox) background. */
export const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
  '<defs><pattern id="s" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
  '<rect width="8" height="8" fill="#f5a623"/><rect width="4" height="8" fill="#f7c46c"/></pattern></defs>' +
  '<rect width="64" height="64" rx="14" fill="url(#s)"/>' +
  '<circle cx="32" cy="32" r="21" fill="#1d3b6f"/>' +
  '<text x="32" y="42" font-family="Arial,Helvetica,sans-serif" font-size="28" font-weight="700" fill="#fff" text-anchor="middle">2</text>' +
  '</svg>';

export const LOGO_DATA_URI = `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`;
