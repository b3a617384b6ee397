import { CodedError } from '../util/coded-error.ts';

export const MetricsErrorCode = {
  /** Region count, agency count or agency names do not fit together. */
  CONFIG: 'ERR_METRICS_CONFIG',
  /** An agency, stream or NAK code outside the shared tables. */
  RANGE: 'ERR_METRICS_RANGE',
} as const;
export type MetricsErrorCode = (typeof MetricsErrorCode)[keyof typeof MetricsErrorCode];

export class MetricsError extends CodedError<MetricsErrorCode> {}
