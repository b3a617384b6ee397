// What an operator changed in the mission database at run time, kept on the main thread so a
// restarted acquisition thread (after a crash) can be brought back to it. The thread starts with
// the database text last accepted (the configured file's, or the last accepted reload's, which
// the main thread keeps: src/server/acquisition.ts), and the journal's requests redo the checking
// switches and the temporary limits and calibrations on top of it.
//
// The journal does not replay the operator's requests, whose effect depends on MdbControl's
// rules (a reload drops overrides, keeps only the switches of lists that still exist): it keeps
// the state MdbControl reports after each accepted change (`{op: 'overrides'}`), and rebuilds
// that state from it.

/** A control request as MdbControl.handle takes it (control-schema.ts). */
export type JournalRequest = Readonly<Record<string, unknown>>;

/** The `by` of re-applied requests, for their log lines and events. */
export const REAPPLIED_BY = 're-applied after restart';

/** The parts of an `{op: 'overrides'}` reply the journal keeps. */
interface State {
  readonly global: boolean;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly lists: Readonly<Record<string, unknown>>;
  readonly limits: Readonly<Record<string, unknown>>;
  readonly calibrations: Readonly<Record<string, unknown>>;
}

export class ControlJournal {
  #state: State | undefined;

  /**
   * Whether `request` (answered `reply`) changed the database or its overrides: then the caller
   * asks for `{op: 'overrides'}` and passes the answer to capture().
   */
  changedBy(request: unknown, reply: unknown): boolean {
    if (!isRecord(request) || !isRecord(reply) || reply.ok !== true) return false;
    return request.op !== 'overrides';
  }

  /** Keeps the state of an `{op: 'overrides'}` reply; anything else is ignored. */
  capture(reply: unknown): void {
    if (!isRecord(reply) || reply.ok !== true || reply.op !== 'overrides') return;
    const { limitChecking: checking, limits, calibrations } = reply;
    if (!isRecord(checking)) return;
    if (!isRecord(checking.parameters) || !isRecord(checking.lists)) return;
    if (!isRecord(limits) || !isRecord(calibrations)) return;
    this.#state = structuredClone({
      global: checking.global !== false,
      parameters: checking.parameters,
      lists: checking.lists,
      limits,
      calibrations,
    });
  }

  /**
   * The requests that rebuild the captured state on a fresh thread started with the database in
   * force, in order: the switches, limits and calibrations. Empty when nothing changed.
   */
  replay(): JournalRequest[] {
    const s = this.#state;
    if (s === undefined) return [];
    const by = REAPPLIED_BY;
    const out: JournalRequest[] = [];
    if (!s.global) out.push({ op: 'limitChecking', enabled: false, by });
    for (const [parameter, enabled] of Object.entries(s.parameters)) {
      out.push({ op: 'limitChecking', parameter, enabled, by });
    }
    for (const [list, enabled] of Object.entries(s.lists))
      out.push({ op: 'limitChecking', list, enabled, by });
    for (const [parameter, limits] of Object.entries(s.limits))
      out.push({ op: 'setLimits', parameter, limits, by });
    for (const [parameter, calibration] of Object.entries(s.calibrations)) {
      out.push({ op: 'setCalibration', parameter, calibration, by });
    }
    return out;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
