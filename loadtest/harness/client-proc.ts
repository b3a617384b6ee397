// A client process of the harness: runs its share of every group (ipc.ts GroupShare) from
// `go` for `durationSec`, reports a tick every second and a final report per group, then
// waits for `close`. Started by main.ts with its options as one JSON argument.

import { GroupState } from './group-state.ts';
import { type ClientProcOptions, type GroupShare, serveParent, toParent } from './ipc.ts';
import { encode, newHistogram } from './latency.ts';
import { Session } from './session.ts';

/** Pause between two connections of one looping client (hostile, archive): a loop, not a spin. */
const LOOP_PAUSE_MS = 100;
const TICK_MS = 1000;
/** Granularity of rate-driven connects (churn, ramps). */
const PACE_MS = 50;

const opts = JSON.parse(process.argv[2] ?? '{}') as ClientProcOptions;
const tickLatency = newHistogram();
const groups = opts.groups.map((share) => new GroupState(share, opts.host, opts.port, tickLatency));
const live = new Set<Session>();
const timers = new Set<NodeJS.Timeout>();
let running = false;
let startMs = 0;

/** A timeout that is forgotten once it fires, so looping clients do not pile up handles. */
function later(fn: () => void, ms: number): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
}

function open(group: GroupState, onEnd: () => void = () => undefined): void {
  if (!running) return;
  const session = new Session(group, (s) => {
    live.delete(s);
    if (running) onEnd();
  });
  live.add(session);
}

/** Opens `count` sessions, all at once or `perSec` per second, calling `each` for every one. */
function paced(count: number, perSec: number, each: () => void): void {
  if (perSec <= 0) {
    for (let i = 0; i < count; i++) each();
    return;
  }
  let opened = 0;
  const start = performance.now();
  // Due from the elapsed time, not per interval: a late timer (a busy event loop) catches up.
  const timer = setInterval(() => {
    const due = Math.min(count, Math.floor((perSec * (performance.now() - start)) / 1000));
    while (opened < due) {
      opened++;
      each();
    }
    if (opened >= count) {
      clearInterval(timer);
      timers.delete(timer);
    }
  }, PACE_MS);
  timers.add(timer);
}

function loop(group: GroupState): void {
  open(group, () => later(() => loop(group), LOOP_PAUSE_MS));
}

function runGroup(group: GroupState): void {
  const s: GroupShare = group.share;
  switch (s.kind) {
    case 'subscribe':
      paced(s.count, s.perSec, () => open(group));
      return;
    case 'archive':
    case 'hostile':
      for (let i = 0; i < s.count; i++) loop(group);
      return;
    case 'churn':
      if (s.perSec > 0) paced(Number.MAX_SAFE_INTEGER, s.perSec, () => open(group));
      return;
  }
}

function tick(): void {
  let connected = 0;
  let records = 0;
  let bytes = 0;
  const naks: Record<string, number> = {};
  for (const g of groups) {
    connected += g.open;
    records += g.counters.records;
    bytes += g.counters.bytes;
    for (const [code, n] of Object.entries(g.naks)) naks[code] = (naks[code] ?? 0) + n;
  }
  const latency = encode(tickLatency);
  tickLatency.reset();
  toParent({
    kind: 'tick',
    tick: {
      proc: opts.proc,
      elapsedMs: performance.now() - startMs,
      connected,
      records,
      bytes,
      naks,
      latency,
    },
  });
}

function finish(): void {
  running = false;
  for (const t of timers) clearTimeout(t);
  tick();
  for (const s of live) s.stop();
  live.clear();
  toParent({ kind: 'final', groups: groups.map((g) => g.report()) });
}

function go(): void {
  running = true;
  startMs = performance.now();
  for (const g of groups) {
    later(() => runGroup(g), g.share.startSec * 1000);
  }
  timers.add(setInterval(tick, TICK_MS));
  later(finish, opts.durationSec * 1000);
}

serveParent(opts.lifetimeMs, (msg) => {
  if (msg.kind === 'go') go();
  else if (msg.kind === 'close') {
    running = false;
    for (const s of live) s.stop();
    process.exit(0);
  }
});

toParent({ kind: 'ready' });
