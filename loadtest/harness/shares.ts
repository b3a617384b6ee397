// Splits a scenario's groups over the client processes: counts and rates divided as evenly
// as they go, tokens resolved from the scenario's agencies.
import type { GroupShare } from './ipc.ts';
import { type Group, lossMeasurable, type Scenario } from './scenario.ts';

function part(total: number, proc: number, procs: number): number {
  return Math.floor(total / procs) + (proc < total % procs ? 1 : 0);
}

function share(s: Scenario, g: Group, count: number, perSec: number): GroupShare {
  const agency = ('agency' in g ? g.agency : undefined) ?? Object.keys(s.server.agencies)[0]!;
  const base: GroupShare = {
    name: g.name,
    kind: g.kind,
    count,
    perSec,
    startSec: g.startSec ?? 0,
    agency,
    token: s.server.agencies[agency]!.token,
    stream: 'frames',
    holdMs: 0,
    lookbackSec: 0,
    realtime: g.kind === 'subscribe' || g.kind === 'churn',
    lossMeasurable: lossMeasurable(g),
  };
  if (g.kind === 'hostile') return { ...base, behaviour: g.behaviour };
  const selected: GroupShare = { ...base, stream: g.stream };
  if (g.filter !== undefined) selected.filter = g.filter;
  if (g.rateHz !== undefined) selected.rateHz = g.rateHz;
  if (g.kind === 'subscribe') {
    if (g.delivery !== undefined) selected.delivery = g.delivery;
    if (g.readBytesPerSec !== undefined) selected.readBytesPerSec = g.readBytesPerSec;
  } else if (g.kind === 'churn') {
    selected.holdMs = g.holdMs;
  } else {
    selected.lookbackSec = g.lookbackSec;
    if (g.speed !== undefined) selected.speed = g.speed;
  }
  return selected;
}

/** The groups of process `proc` of `procs`; a group with nothing to do there is left out. */
export function sharesFor(s: Scenario, proc: number, procs: number): GroupShare[] {
  const out: GroupShare[] = [];
  for (const g of s.groups) {
    if (g.kind === 'churn') {
      out.push(share(s, g, 0, g.connectsPerSec / procs));
      continue;
    }
    const count = part(g.count, proc, procs);
    if (count === 0) continue;
    // A ramp keeps its overall rate: each process opens its part at its part of the rate.
    const perSec =
      g.kind === 'subscribe' && g.connectPerSec !== undefined ? (g.connectPerSec * count) / g.count : 0;
    out.push(share(s, g, count, perSec));
  }
  return out;
}

/** Sessions open at once at most (subscribe, archive and hostile counts): sizes the server's socket ceiling. */
export function totalClients(s: Scenario): number {
  let n = 0;
  for (const g of s.groups) {
    n += g.kind === 'churn' ? Math.ceil((g.connectsPerSec * (g.holdMs + 1000)) / 1000) : g.count;
  }
  return n;
}
