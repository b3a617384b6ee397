// What an operator changed in the mission database at run time, kept on the main thread so a
// restarted acquisition thread (after a crash) can be brought back to it: a fresh thread loads
// the configured file, and the journal's requests redo the last accepted reload, the checking
// switches and the temporary limits and calibrations.
//
// The journal does not replay the operator's requests, whose effect depends on MdbControl's
// rules (a reload drops overrides, keeps only the switches of lists that still exist): it keeps
// the state MdbControl reports after each accepted change (`{op: 'overrides'}`), and rebuilds
// that state from it.
import { basename } from 'node:path';

/** A control request as MdbControl.handle takes it (control-schema.ts). */
export type JournalRequest = Readonly<Record<string, unknown>>;

/** The `by` of re-applied requests, for their log lines and events. */
export const REAPPLIED_BY = 're-applied after restart';

/** The parts of an `{op: 'overrides'}` reply the journal keeps. */
interface State {
  readonly file: string;
  readonly global: boolean;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly lists: Readonly<Record<string, unknown>>;
  readonly limits: Readonly<Record<string, unknown>>;
  readonly calibrations: Readonly<Record<string, unknown>>;
}

export class ControlJournal {
  #state: State | undefined;
  /** A reload was accepted: the database in force may differ from the file the thread starts with. */
  #reloaded = false;

  /**
   * Whether `request` (answered `reply`) changed the database or its overrides: then the caller
   * asks for `{op: 'overrides'}` and passes the answer to capture().
   */
  changedBy(request: unknown, reply: unknown): boolean {
    if (!isRecord(request) || !isRecord(reply) || reply.ok !== true) return false;
    if (request.op === 'reload') this.#reloaded = true;
    return request.op !== 'overrides';
  }

  /** Keeps the state of an `{op: 'overrides'}` reply; anything else is ignored. */
  capture(reply: unknown): void {
    if (!isRecord(reply) || reply.ok !== true || reply.op !== 'overrides') return;
    const { database, limitChecking: checking, limits, calibrations } = reply;
    if (!isRecord(database) || typeof database.file !== 'string' || !isRecord(checking)) return;
    if (!isRecord(checking.parameters) || !isRecord(checking.lists)) return;
    if (!isRecord(limits) || !isRecord(calibrations)) return;
    this.#state = structuredClone({
      file: database.file,
      global: checking.global !== false,
      parameters: checking.parameters,
      lists: checking.lists,
      limits,
      calibrations,
    });
  }

  /**
   * The requests that rebuild the captured state on a fresh thread, in order: the reload first
   * (it drops overrides), then the switches, limits and calibrations. Empty when nothing changed.
   */
  replay(): JournalRequest[] {
    const s = this.#state;
    if (s === undefined) return [];
    const by = REAPPLIED_BY;
    const out: JournalRequest[] = [];
    // MdbControl resolves a reload's file in the directory of the one in force, which is the
    // configured file's: the bare name finds it again from a fresh thread.
    if (this.#reloaded) out.push({ op: 'reload', file: basename(s.file), by });
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
