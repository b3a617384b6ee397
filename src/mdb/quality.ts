// Quality bits of parameter samples. Bits 0–8 are the packet's own bits (ICD §6), carried over
// from the packet a sample came from; these bits, above them, are the decommutation's findings.
export const ParamQuality = {
  /** The packet ended before the parameter's last bit (shorter than its definition). */
  OUT_OF_PACKET: 1 << 16,
  /** The calibration or expression gave no finite value (NaN, ±Infinity, outside its table). */
  INVALID_VALUE: 1 << 17,
  /** The raw value of a discrete parameter has no state text. */
  UNKNOWN_STATE: 1 << 18,
  /** A derived parameter computed from at least one flagged input. */
  INVALID_INPUT: 1 << 19,
} as const;

/** The bits that make a sample's value untrustworthy: such samples are not limit-checked. */
export const PARAM_QUALITY_MASK =
  ParamQuality.OUT_OF_PACKET |
  ParamQuality.INVALID_VALUE |
  ParamQuality.UNKNOWN_STATE |
  ParamQuality.INVALID_INPUT;
