// Response headers of every display response: a strict Content-Security-Policy and the usual
// hardening. Each CSP relaxation is one Open MCT 2.2 does not run without; each was found by
// taking it out and running Open MCT in Chromium (test/web/openmct-e2e.test.ts fails on any
// CSP violation, which Chromium reports as a console error):
//   script-src 'unsafe-eval'   Open MCT ships Vue 2's full build and compiles its component
//                              templates at run time with `new Function`; without it
//                              openmct.js fails while loading.
//   style-src 'unsafe-inline'  Vue binds `style` attributes and Open MCT's bundle injects its
//                              CSS as <style> elements (style-loader); without it the page
//                              throws on insertRule. No script is inline.
//   font-src data:             its symbol font is embedded in its CSS as a data: URL.
// No inline script anywhere: the page boots from /display/scs-boot.js.
import type { ServerResponse } from 'node:http';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self'",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: with it Chromium sends `Origin: null` on the login POST, which sameOrigin() refuses.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  setSecurityHeaders(res);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}
