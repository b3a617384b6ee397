"""``python -m scs_client tail|fetch …``: the Python counterparts of ``scs tail`` and
``scs fetch`` (same options, output and exit codes)."""

import argparse
import datetime
import os
import re
import sys
import time

from .errors import ERR_CONNECTION_LOST, ERR_NO_SERVER, NakError, ScsError
from .formats import csv_header, csv_row, human_line, json_line
from .records import STREAMS
from .sync import Session

__all__ = ["main"]

OK, FAILURE, USAGE, REFUSED, LOST = 0, 1, 2, 3, 4
SEVERITIES = ("INFO", "WARNING", "ALARM", "CRITICAL")

TAIL_EPILOG = """Notices (connected, stale, lost, gaps, skipped records) go to stderr.
Exit codes: 0 done (--count reached or interrupted), 2 usage, 3 refused by the
server (NAK, e.g. AUTH_FAILED), 4 no server or connection lost, 1 other failure."""

FETCH_EPILOG = """--station and --good are applied here, the other filters by the server. A file is
written as PATH.part and renamed when the server's END arrives; nothing is left on a failure.
Exit codes: 0 done (also when no record matched, or stdout closed by its reader as with | head),
1 failure, 2 usage, 3 refused by the server (NAK, e.g. FORBIDDEN, ARCHIVE_UNAVAILABLE),
4 no server or connection lost."""


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _whole(name, lo=0, hi=2**53 - 1):
    def parse(text):
        if not re.fullmatch(r"\d+", text) or not lo <= int(text) <= hi:
            raise UsageError(f"--{name} must be a whole number {lo} … {hi}, got '{text}'")
        return int(text)

    return parse


def _connection_options(p, client):
    p.add_argument("--host", default="127.0.0.1", help="server host (default 127.0.0.1)")
    p.add_argument("--port", type=_whole("port", 1, 65535), default=7300, help="server port (default 7300)")
    p.add_argument("--agency", help="agency id (or env SCS_AGENCY)")
    p.add_argument("--token", help="agency token (or env SCS_TOKEN, which other users cannot see in ps)")
    p.add_argument("--client", default=client, help=f"client name in the server's logs (default {client})")


def _filter_options(p):
    p.add_argument("--stream", default="parameters", help=f"{' | '.join(STREAMS)} (default parameters)")
    p.add_argument("--param", action="append", metavar="GLOB", help="parameters: a name or a glob with *, repeatable")
    p.add_argument("--vcid", action="append", type=_whole("vcid", 0, 63), help="frames, packets: VC id, repeatable")
    p.add_argument("--apid", action="append", type=_whole("apid", 0, 2047), help="packets, commands: APID, repeatable")
    p.add_argument("--severity", help="events: minimum severity, INFO | WARNING | ALARM | CRITICAL")
    p.add_argument("--name", action="append", metavar="GLOB", help="commands: command name or glob, repeatable")
    p.add_argument("--source", action="append", metavar="GLOB", help="commands: who released it, repeatable")


#: Which stream each filter option applies to (the server would NAK any other, ICD §5.1).
FILTER_STREAMS = {
    "param": ("parameters",),
    "rate": ("parameters",),
    "vcid": ("frames", "packets"),
    "apid": ("packets", "commands"),
    "severity": ("events",),
    "name": ("commands",),
    "source": ("commands",),
    "station": ("frames", "packets"),
    "good": ("frames", "packets", "parameters"),
}


def _request_filter(a):
    if a.stream not in STREAMS:
        raise UsageError(f"--stream must be one of {', '.join(STREAMS)}, got '{a.stream}'")
    for option, streams in FILTER_STREAMS.items():
        if getattr(a, option, None) not in (None, False) and a.stream not in streams:
            raise UsageError(f"--{option} applies to --stream {' or '.join(streams)}, not {a.stream}")
    f = {}
    if a.param:
        f["parameters"] = a.param
    if a.vcid:
        f["vcids"] = a.vcid
    if a.apid:
        f["apids"] = a.apid
    if a.name:
        f["names"] = a.name
    if a.source:
        f["sources"] = a.source
    if a.severity is not None:
        severity = a.severity.upper()
        if severity not in SEVERITIES:
            raise UsageError(f"--severity must be one of {', '.join(SEVERITIES)}")
        f["severity"] = severity
    return f or None


def _credentials(a, env):
    agency = a.agency or env.get("SCS_AGENCY")
    if not agency:
        raise UsageError("--agency (or env SCS_AGENCY) is required")
    token = a.token or env.get("SCS_TOKEN")
    if not token:
        raise UsageError("--token (or env SCS_TOKEN) is required")
    return agency, token


def _exit_code(err):
    if isinstance(err, UsageError):
        return USAGE
    if isinstance(err, NakError):
        return REFUSED
    if isinstance(err, ScsError) and err.code in (ERR_NO_SERVER, ERR_CONNECTION_LOST):
        return LOST
    return FAILURE


def _say(command, text):
    sys.stderr.write(f"scs_client {command}: {' '.join(str(text).split())}\n")
    sys.stderr.flush()


def tail(argv, env):
    p = _Parser(prog="python -m scs_client tail", description="Prints live records of one stream "
                "as they arrive, one per line.", epilog=TAIL_EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    _filter_options(p)
    p.add_argument("--rate", type=float, metavar="HZ", help="parameters: at most HZ samples per second per parameter")
    _connection_options(p, "scs-tail")
    p.add_argument("--count", type=_whole("count", 1), help="exit after N records")
    p.add_argument("--retries", type=_whole("retries"), default=5,
                   help="reconnect rounds after a loss before giving up (default 5; 0: exit at once)")
    p.add_argument("--json", action="store_true", help="JSON Lines, bytes as base64")
    p.add_argument("--quiet", action="store_true", help="no notices on stderr, errors only")
    a = p.parse_args(argv)
    f = _request_filter(a)
    if a.rate is not None and not (a.rate > 0 and a.rate != float("inf")):
        raise UsageError(f"--rate must be a number > 0, got '{a.rate}'")
    agency, token = _credentials(a, env)
    session = Session(
        [(a.host, a.port)], agency, token, client=a.client,
        reconnect=False if a.retries == 0 else {"max_rounds": a.retries},
    )
    notice = (lambda text: None) if a.quiet else (lambda text: _say("tail", text))
    ending = []
    session.on("connect", lambda c: notice(f"connected to {c.server[0]}:{c.server[1]} as {c.client_id}"))
    session.on("freshness", lambda s, prev: None if ending or (prev == "lost" and s == "stale") else notice(s))
    session.on("reconnecting", lambda r, d: notice(f"reconnecting in {round(d * 1000)} ms (round {r})"))
    session.on("gap", lambda g: notice(
        f"gap: records{'' if g.after_seq is None else f' after seq {g.after_seq}'} may have been missed ({g.reason})"))
    session.on("skipped", lambda n: notice(f"the server skipped {n} records (reading too slowly)"))
    n = 0
    try:
        for r in session.request(a.stream, "realtime", filter=f, rate_hz=a.rate):
            sys.stdout.write((json_line(r) if a.json else human_line(a.stream, r)) + "\n")
            sys.stdout.flush()
            n += 1
            if a.count is not None and n >= a.count:
                break
        return OK
    finally:
        ending.append(True)
        session.close()


def _time(name, text, now_us):
    """µs, ISO-8601 with a zone, now, or now-DURATION (Ns Nm Nh Nd), as scs fetch takes them."""
    m = re.fullmatch(r"now(?:-(\d+)([smhd]))?", text)
    if m:
        if not m.group(1):
            return now_us
        return now_us - int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] * 1_000_000
    if re.fullmatch(r"\d+", text):
        return int(text)
    try:
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        raise UsageError(f"--{name}: '{text}' is not a time (µs, ISO-8601 with zone, now, now-24h)")
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    d = t - epoch
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def fetch(argv, env):
    p = _Parser(prog="python -m scs_client fetch", description="Requests archived records of one "
                "stream from a server (ICD mode archive) and writes them, in time order.",
                epilog=FETCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _connection_options(p, "scs-fetch")
    p.add_argument("--speed", type=float, help="pacing, K × real time, 0 … 40 (default 0: as fast as it can be written)")
    _filter_options(p)
    p.add_argument("--from", dest="from_", metavar="T", help="start, inclusive (required): µs, ISO-8601 with zone, now, now-24h")
    p.add_argument("--to", metavar="T", help="end, exclusive (default now)")
    p.add_argument("--by", choices=("ert", "scet"), help="time axis: ert (default) | scet (packets, parameters)")
    p.add_argument("--station", action="append", help="frames, packets: ground station, repeatable")
    p.add_argument("--good", action="store_true", help="frames, packets, parameters: only records with quality 0")
    p.add_argument("--format", default="csv", help="csv | jsonl (default csv)")
    p.add_argument("--out", metavar="PATH", help="a file, or a directory (existing, or ending in /) to name "
                   "<stream>_yyyymmddhhmmss.csv|jsonl in; default stdout")
    p.add_argument("--quiet", action="store_true", help="no summary line")
    a = p.parse_args(argv)
    f = _request_filter(a)
    if a.format not in ("csv", "jsonl"):
        raise UsageError(f"--format must be csv or jsonl, got '{a.format}' (packet files: use scs fetch)")
    if a.speed is not None and not 0 <= a.speed <= 40:
        raise UsageError(f"--speed must be a number 0 … 40, got '{a.speed}'")
    if a.from_ is None:
        raise UsageError("--from is required")
    now = time.time_ns() // 1000
    start = _time("from", a.from_, now)
    end = now if a.to is None else _time("to", a.to, now)
    if not start < end:
        raise UsageError("--from must be before --to")
    if a.by == "scet" and a.stream not in ("packets", "parameters"):
        raise UsageError(f"{a.stream} have no scet: fetch them by ert")
    agency, token = _credentials(a, env)
    path = _out_path(a, start)
    keep = _record_filter(a)
    out = open(path + ".part", "w", encoding="utf-8", newline="") if path else sys.stdout
    n = 0
    size = 0
    try:
        if a.format == "csv":
            size += _write(out, csv_header(a.stream))
        with Session([(a.host, a.port)], agency, token, client=a.client, reconnect=False) as session:
            fields = {"filter": f, "from_": start, "to": end, "time_by": a.by, "speed": a.speed}
            for batch in session.batches(a.stream, "archive", **fields):
                for r in batch:
                    if keep is None or keep(r):
                        size += _write(out, (csv_row(a.stream, r) if a.format == "csv" else json_line(r) + "\n"))
                        n += 1
        if path:
            out.close()
            os.replace(path + ".part", path)
        else:
            out.flush()
    except BaseException:
        if path:
            out.close()
            os.unlink(path + ".part")
        raise
    if not a.quiet:
        _say("fetch", f"{n} records, {size} bytes{f' to {path}' if path else ''}")
    return OK


def _write(out, text):
    out.write(text)
    return len(text.encode("utf-8"))


def _out_path(a, start):
    if a.out is None:
        return None
    if a.out.endswith("/") or os.path.isdir(a.out):
        stamp = datetime.datetime.fromtimestamp(start // 1_000_000, tz=datetime.timezone.utc).strftime("%Y%m%d%H%M%S")
        os.makedirs(a.out, exist_ok=True)
        return os.path.join(a.out, f"{a.stream}_{stamp}.{a.format}")
    return a.out


def _record_filter(a):
    checks = []
    if a.station:
        stations = set(a.station)
        checks.append(lambda r: r.station in stations)
    if a.good:
        checks.append(lambda r: r.quality == 0)
    if not checks:
        return None
    return lambda r: all(c(r) for c in checks)


COMMANDS = {"tail": tail, "fetch": fetch}
USAGE_TEXT = """Usage: python -m scs_client tail|fetch [options]   (--help for each)

  tail    live records of one stream, one per line (as scs tail)
  fetch   archived records of a time range, CSV or JSON Lines (as scs fetch)"""


def main(argv=None, env=None):
    argv = sys.argv[1:] if argv is None else argv
    env = os.environ if env is None else env
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE_TEXT)
        return OK if argv else USAGE
    command = COMMANDS.get(argv[0])
    if command is None:
        _say("", f"unknown command '{argv[0]}'")
        return USAGE
    try:
        return command(argv[1:], env)
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else OK
    except KeyboardInterrupt:
        return OK if argv[0] == "tail" else FAILURE
    except BrokenPipeError:
        # The reader of our stdout went away (| head): a normal end, as for scs.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return OK
    except NakError as err:
        _say(argv[0], f"{err.code}: {err.reason}")
        return REFUSED
    except (UsageError, ScsError, OSError) as err:
        _say(argv[0], err)
        return _exit_code(err)
