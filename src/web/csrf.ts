// The login form's CSRF token (double submit, signed): the form page sets it both in a
// SameSite=Strict cookie and in a hidden field, and a login POST must carry the two, equal and
// signed by this server. A cross-site page can make a browser post the form, but the browser
// then sends no SameSite=Strict cookie, and the page can read neither the cookie nor the form;
// the signature keeps a cookie planted by a sibling host from passing. Logging in needs no
// session yet, so this, not the session cookie's SameSite, is what stops a login CSRF.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieValue } from './auth.ts';

const COOKIE = 'scs_login_csrf';
/** How long a login form stays usable; past it the form is sent again with a new token. */
const FORM_TTL_SEC = 3600;

export class LoginCsrf {
  readonly #key = randomBytes(32);
  readonly #secure: boolean;

  constructor(secureCookie: boolean) {
    this.#secure = secureCookie;
  }

  /** A new token, and the Set-Cookie header value that carries it. */
  issue(): { token: string; cookie: string } {
    const nonce = randomBytes(18).toString('base64url');
    const token = `${nonce}.${this.#mac(nonce)}`;
    const secure = this.#secure ? '; Secure' : '';
    return {
      token,
      cookie: `${COOKIE}=${token}; Path=/display/login; HttpOnly; SameSite=Strict; Max-Age=${FORM_TTL_SEC}${secure}`,
    };
  }

  /** True when the form's token is the request's cookie and was issued by this server. */
  valid(req: IncomingMessage, formToken: string): boolean {
    const cookie = cookieValue(req, COOKIE);
    if (cookie === undefined || !equal(cookie, formToken)) return false;
    const dot = formToken.indexOf('.');
    return dot > 0 && equal(formToken.slice(dot + 1), this.#mac(formToken.slice(0, dot)));
  }

  #mac(nonce: string): string {
    return createHmac('sha256', this.#key).update(nonce).digest('base64url');
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
