// CCSDS pseudo-randomiser (CCSDS 131.0-B, section 10): h(x) = x^8 + x^7 + x^5 + x^3 + 1, register
// all ones at the first bit after the attached sync marker. Randomising and de-randomising are the
// same XOR with a sequence of period 255 bytes.

/** The 255-byte period of the randomiser sequence, first byte 0xFF. */
export const RANDOMIZER_SEQUENCE: Uint8Array = (() => {
  const seq = new Uint8Array(255);
  // Fibonacci register shifting towards bit 0, which is the output; the feedback of the taps of
  // h(x) enters at bit 7. This orientation reproduces the published FF 48 0E C0 9A ... sequence.
  let reg = 0xff;
  for (let i = 0; i < 255; i++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) {
      byte = (byte << 1) | (reg & 1);
      const fb = (reg ^ (reg >>> 3) ^ (reg >>> 5) ^ (reg >>> 7)) & 1;
      reg = (reg >>> 1) | (fb << 7);
    }
    seq[i] = byte;
  }
  return seq;
})();

/** XORs `bytes` in place with the randomiser sequence (its first byte is the first after the marker). */
export function derandomize(bytes: Uint8Array): void {
  const n = bytes.length;
  for (let i = 0, k = 0; i < n; i++) {
    bytes[i]! ^= RANDOMIZER_SEQUENCE[k]!;
    if (++k === 255) k = 0;
  }
}

/** Randomising is the same operation; the alias keeps encoder call sites readable. */
export const randomize = derandomize;
