// The simulated spacecraft: a LEO satellite whose orbit-periodic sun/eclipse cycle drives
// power and temperatures, with reaction-wheel momentum build-up and desaturation, science
// windows, rare safe-mode entries and measurement noise from a seeded PRNG. Every update
// uses the exact first-order solution, so a long step (after a stalled event loop) stays stable.
import type { Prng } from './prng.ts';

export type AocsMode = 'SAFE' | 'NOMINAL' | 'SCIENCE';
export type PayloadMode = 'OFF' | 'STANDBY' | 'OBSERVING';

const ORBIT_S = 5640;
/** Fraction of the orbit in the Earth's shadow, at the end of each orbit. */
const ECLIPSE_FRACTION = 0.36;
const PENUMBRA_S = 30;
const BATTERY_AH = 14;
const SAFE_MODE_MEAN_INTERVAL_S = 8 * 3600;
const SAFE_MODE_DURATION_S = 900;
const RW_DESAT_START_RPM = 4700;
const RW_DESAT_END_RPM = 1200;
const RW_DESAT_RATE_RPM_S = 40;

function approach(value: number, target: number, dt: number, tau: number): number {
  return target + (value - target) * Math.exp(-dt / tau);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

export class SpacecraftModel {
  // Outputs, as telemetered (noise included).
  busV = 28;
  busI = 0;
  saV = 0;
  saI = 0;
  battV = 0;
  battI = 0;
  soc: number;
  saDeployed = true;
  pcduMode: 'NOMINAL' | 'SAFE' | 'LOAD_SHED' = 'NOMINAL';
  battT: number;
  obcT: number;
  rwT: number;
  saT: number;
  plDetT: number;
  txT: number;
  propT: number;
  htrBatt = false;
  htrProp = false;
  htrPower = 0;
  aocsMode: AocsMode = 'NOMINAL';
  readonly rw: number[];
  readonly rate = [0, 0, 0];
  sunAngle = 5;
  attErr = 0;
  strValid = true;
  desat = false;
  obcMode: 'SAFE' | 'NOMINAL' = 'NOMINAL';
  cpuLoad = 20;
  uptime = 0;
  tcCount = 0;
  readonly swVersion = '4.2.1';
  rxAgc = -90;
  readonly txOn = true;
  readonly bitRate: number;
  plMode: PayloadMode = 'STANDBY';
  detCounts = 0;
  hvV = 0;
  imageCount = 0;

  readonly #prng: Prng;
  readonly #phase0: number;
  readonly #uptime0: number;
  readonly #rwDrift: number[];
  readonly #rwBias: number[];
  #t = 0;
  #modeSince = -1e9;
  #safeUntil = -1;
  #orbit = -1;
  #eclipseScience = false;
  #lowPower = false;
  #blindUntil = -1;
  #spikeUntil = -1;
  #nextImageAt = 0;
  #attTrue = 0;

  constructor(prng: Prng, bitRate: number) {
    this.#prng = prng;
    this.bitRate = bitRate;
    this.#phase0 = prng.next();
    this.#uptime0 = Math.floor(prng.range(1, 40) * 86_400);
    this.soc = prng.range(78, 92);
    this.battT = prng.range(14, 20);
    this.obcT = prng.range(28, 32);
    this.rwT = prng.range(24, 28);
    this.saT = 20;
    this.plDetT = -38;
    this.txT = prng.range(32, 36);
    this.propT = prng.range(16, 19);
    this.tcCount = Math.floor(prng.range(1000, 5000));
    this.rw = [0, 1, 2, 3].map(() => (prng.chance(0.5) ? 1 : -1) * prng.range(600, 3200));
    this.#rwDrift = this.rw.map(() => (prng.chance(0.5) ? 1 : -1) * prng.range(2, 5));
    this.#rwBias = this.rw.map((s) => Math.sign(s) * 800);
  }

  /** Orbit phase in [0, 1); the eclipse is the last ECLIPSE_FRACTION of it. */
  phase(t = this.#t): number {
    const p = (t / ORBIT_S + this.#phase0) % 1;
    return p < 0 ? p + 1 : p;
  }

  /** Sun illumination in [0, 1], with a linear penumbra of PENUMBRA_S centred on each eclipse edge. */
  sun(t = this.#t): number {
    const s = this.phase(t) * ORBIT_S;
    const eclipseStart = (1 - ECLIPSE_FRACTION) * ORBIT_S;
    // Signed distance in seconds to the nearest shadow edge: positive in sunlight.
    const d = s < eclipseStart ? Math.min(s, eclipseStart - s) : -Math.min(s - eclipseStart, ORBIT_S - s);
    return clamp(0.5 + d / PENUMBRA_S, 0, 1);
  }

  /**
   * Advances the spacecraft to time t (s since the simulation start). `pass` is the
   * position within the current ground-station pass in [0, 1], or undefined with no passes.
   */
  step(t: number, pass: number | undefined, linkUp: boolean): void {
    const dt = Math.max(0, t - this.#t);
    this.#t = t;
    const g = this.#prng;
    const sun = this.sun(t);
    this.#updateModes(t, dt, sun);

    // Attitude and reaction wheels.
    const sinceMode = t - this.#modeSince;
    const targetAngle = this.aocsMode === 'SCIENCE' ? 35 : this.aocsMode === 'NOMINAL' ? 5 : 12;
    this.#attTrue = approach(this.#attTrue, targetAngle, dt, 30);
    this.sunAngle = clamp(this.#attTrue + g.gauss(0.05), 0, 180);
    const slew = Math.exp(-sinceMode / 25);
    this.attErr =
      this.aocsMode === 'SAFE' ? 2.5 + Math.abs(g.gauss(0.4)) : 0.012 + Math.abs(g.gauss(0.004)) + 2.2 * slew;
    for (let i = 0; i < 3; i++) this.rate[i] = g.gauss(0.002) + (i === 2 ? 0.6 * slew : 0.1 * slew);
    for (let i = 0; i < 4; i++) {
      const s = this.rw[i]!;
      if (this.desat) {
        const b = this.#rwBias[i]!;
        const step = Math.min(Math.abs(b - s), RW_DESAT_RATE_RPM_S * dt);
        this.rw[i] = s + Math.sign(b - s) * step;
      } else {
        this.rw[i] = clamp(s + this.#rwDrift[i]! * dt, -6000, 6000);
      }
    }
    if (!this.desat && this.rw.some((s) => Math.abs(s) > RW_DESAT_START_RPM)) this.desat = true;
    else if (this.desat && this.rw.every((s) => Math.abs(s) < RW_DESAT_END_RPM)) this.desat = false;
    if (t >= this.#blindUntil && g.chance(dt / 2400)) this.#blindUntil = t + 60;
    this.strValid = this.aocsMode !== 'SAFE' && t >= this.#blindUntil;

    // Payload.
    this.plMode =
      this.aocsMode === 'SAFE' || this.soc < 40
        ? 'OFF'
        : this.aocsMode === 'SCIENCE'
          ? 'OBSERVING'
          : 'STANDBY';
    const observing = this.plMode === 'OBSERVING';
    this.hvV = observing ? 1250 + g.gauss(0.6) : 0;
    this.detCounts = observing
      ? Math.max(0, Math.round(12_000 + 3_000 * Math.sin(t / 97) + g.gauss(110)))
      : this.plMode === 'STANDBY'
        ? Math.max(0, Math.round(40 + g.gauss(6)))
        : 0;
    if (observing && t >= this.#nextImageAt) {
      this.imageCount++;
      this.#nextImageAt = t + 10;
    }

    // Power.
    this.htrBatt = this.battT < 9 ? true : this.battT > 13 ? false : this.htrBatt;
    this.htrProp = this.propT < 14 ? true : this.propT > 18 ? false : this.htrProp;
    this.htrPower = (this.htrBatt ? 20 : 0) + (this.htrProp ? 11 : 0) + g.gauss(0.1);
    const cosSun = Math.cos((this.#attTrue * Math.PI) / 180);
    this.saI = Math.max(0, sun * 12 * cosSun + g.gauss(0.04));
    this.saV = sun > 0 ? 33.5 - 0.04 * (this.saT - 25) + g.gauss(0.08) : Math.abs(g.gauss(0.05));
    const plLoad = observing ? 2.6 : this.plMode === 'STANDBY' ? 0.6 : 0;
    const load =
      3.4 +
      plLoad +
      (this.htrBatt ? 0.7 : 0) +
      (this.htrProp ? 0.4 : 0) +
      (this.txOn ? 0.9 : 0) +
      (this.desat ? 0.3 : 0);
    this.busI = load + g.gauss(0.03);
    let charge = clamp(this.saI * 0.95 - load, -20, 6);
    if (this.soc >= 99.5 && charge > 0) charge = 0.05;
    this.soc = clamp(this.soc + ((charge * dt) / 3600 / BATTERY_AH) * 100, 0, 100);
    this.battI = charge + g.gauss(0.02);
    this.battV = 25.2 + 0.042 * this.soc + 0.04 * charge + g.gauss(0.01);
    this.busV = sun > 0.5 ? 28 + g.gauss(0.02) : this.battV - 0.35 + g.gauss(0.02);
    this.pcduMode = this.soc < 40 ? 'LOAD_SHED' : this.aocsMode === 'SAFE' ? 'SAFE' : 'NOMINAL';

    // Thermal.
    this.battT = approach(this.battT, 4 + 12 * sun + (this.htrBatt ? 16 : 0), dt, 1500) + g.gauss(0.02);
    this.obcT = approach(this.obcT, 27 + 0.08 * this.cpuLoad + 4 * sun, dt, 900) + g.gauss(0.02);
    const rwMean = this.rw.reduce((a, s) => a + Math.abs(s), 0) / 4;
    this.rwT = approach(this.rwT, 22 + 0.0018 * rwMean, dt, 1200) + g.gauss(0.02);
    this.saT = approach(this.saT, sun > 0 ? -70 + 145 * sun * cosSun : -70, dt, 400) + g.gauss(0.05);
    this.plDetT = approach(this.plDetT, this.plMode === 'OFF' ? -5 : -40, dt, 700) + g.gauss(0.02);
    this.txT = approach(this.txT, 31 + (this.txOn ? 9 : 0) + 3 * sun, dt, 1200) + g.gauss(0.02);
    this.propT = approach(this.propT, 16 - 6 * (1 - sun) + (this.htrProp ? 8 : 0), dt, 3000) + g.gauss(0.01);

    // On-board computer and communications.
    if (t >= this.#spikeUntil && g.chance(dt / 900)) this.#spikeUntil = t + 40;
    this.cpuLoad = clamp(
      22 + (observing ? 25 : 0) + (t < this.#spikeUntil ? 45 : 0) + (this.desat ? 6 : 0) + g.gauss(2),
      0,
      100,
    );
    this.obcMode = this.aocsMode === 'SAFE' ? 'SAFE' : 'NOMINAL';
    this.uptime = Math.floor(this.#uptime0 + t);
    if (linkUp && g.chance(dt / 20)) this.tcCount++;
    this.rxAgc = (pass === undefined ? -84 : -112 + 28 * Math.sin(Math.PI * pass)) + g.gauss(0.4);
  }

  #updateModes(t: number, dt: number, sun: number): void {
    const orbit = Math.floor(t / ORBIT_S + this.#phase0);
    if (orbit !== this.#orbit) {
      this.#orbit = orbit;
      // One orbit in three also observes through part of the eclipse, draining the battery deeper.
      this.#eclipseScience = this.#prng.chance(1 / 3);
    }
    let mode: AocsMode = this.aocsMode;
    if (mode === 'SAFE') {
      if (t >= this.#safeUntil) mode = 'NOMINAL';
    } else if (this.#prng.chance(dt / SAFE_MODE_MEAN_INTERVAL_S)) {
      mode = 'SAFE';
      this.#safeUntil = t + SAFE_MODE_DURATION_S;
    } else {
      const p = this.phase(t);
      // Science is inhibited below 55 % charge until the battery is back above 65 % (hysteresis).
      if (this.soc < 55) this.#lowPower = true;
      else if (this.soc > 65) this.#lowPower = false;
      const science =
        !this.#lowPower &&
        ((p > 0.05 && p < 0.4 && sun > 0.99) || (this.#eclipseScience && p > 0.66 && p < 0.95));
      mode = science ? 'SCIENCE' : 'NOMINAL';
    }
    if (mode !== this.aocsMode) {
      this.aocsMode = mode;
      this.#modeSince = t;
    }
  }
}
