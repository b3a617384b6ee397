// Errors of the Open MCT display area.
import { CodedError } from '../util/coded-error.ts';

export const WebErrorCode = {
  /** The display section names something the rest of the configuration lacks. */
  ERR_WEB_CONFIG: 'ERR_WEB_CONFIG',
  /** Open MCT's files (node_modules/openmct/dist) or the display's own files are missing. */
  ERR_WEB_ASSETS: 'ERR_WEB_ASSETS',
} as const;
export type WebErrorCode = (typeof WebErrorCode)[keyof typeof WebErrorCode];

export class WebError extends CodedError<WebErrorCode> {}
