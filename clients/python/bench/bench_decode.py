"""npm run bench:python — records/s one Python process decodes, with and without msgpack.

1. Decode stage (no socket): DATA messages as the server writes them (frames: 100 records of
   1115-byte transfer frames per DATA; parameters: 500 samples per DATA), fed to FrameDecoder in
   64 KiB chunks, CRC checked, bodies decoded and turned into typed records (FrameRecord,
   ParameterRecord). For each codec, and, as the floor, the codec's unpackb alone on the bodies.
2. Real path (skip with --no-server): a server (test/support/py-server.ts) with the saturating
   test source; one blocking Session per codec on `frames`, realtime, `delivery: latest`, reads
   for --seconds; records/s received and the records the server skipped for it.

Prints one line per figure and the ratio msgpack / built-in.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PACKAGE))
sys.path.insert(0, PACKAGE)

from scs_client.codec import BUILTIN, MSGPACK  # noqa: E402
from scs_client.frame import DATA, MAX_SERVER_BODY, FrameDecoder, encode_message  # noqa: E402
from scs_client.records import records_from_maps  # noqa: E402

T0 = 1_796_000_000_000_000
NAMES = ["EPS.BUS_V", "EPS.BATT_V", "THERM.BATT_T", "AOCS.RW1_SPEED", "OBC.CPU_LOAD"]


def frame_records(n, first):
    return [
        {"seq": first + i, "ert": T0 + (first + i) * 100, "station": "SIM", "scid": 42, "vcid": i % 4,
         "vcfc": (first + i) & 0xFFFFFF, "quality": 0, "data": bytes((first + i + k) & 0xFF for k in range(1115))}
        for i in range(n)
    ]


def parameter_records(n, first):
    return [
        {"seq": first + i, "name": NAMES[i % 5], "scet": T0 + (first + i) * 10, "ert": T0 + (first + i) * 10 + 5,
         "raw": 3000 + i % 100, "eng": 28.5 + (i % 100) / 7, "unit": "V", "limit": "OK", "quality": 0}
        for i in range(n)
    ]


def stream_of(make, per_data, messages):
    """The bytes of `messages` DATA frames, encoded as the server does (int64 times, bin data)."""
    out = bytearray()
    bodies = []
    for m in range(messages):
        body = {"stream": make.__name__.split("_")[0] + "s", "records": make(per_data, m * per_data)}
        frame = encode_message(DATA, m, T0, body, codec=BUILTIN, max_body=MAX_SERVER_BODY)
        out += frame
        bodies.append(frame[24:-4])
    return bytes(out), bodies


def decode_stage(data, stream, codec, repeat):
    best = 0.0
    n = 0
    for _ in range(repeat):
        decoder = FrameDecoder(codec=codec)
        n = 0
        start = time.perf_counter()
        for pos in range(0, len(data), 65536):
            for m in decoder.feed(data[pos : pos + 65536]):
                n += len(records_from_maps(stream, m.body["records"]))
        best = max(best, n / (time.perf_counter() - start))
    return best, n


def unpack_only(bodies, per_data, codec, repeat):
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        for b in bodies:
            codec.unpackb(b)
        best = max(best, len(bodies) * per_data / (time.perf_counter() - start))
    return best


def real_path(codec_name, seconds):
    sys.path.insert(0, os.path.join(PACKAGE, "tests"))
    from conftest import ServerProcess

    import scs_client

    server = ServerProcess({"source": {"kind": "test", "options": {"mode": "saturate", "frameLength": 1115}}})
    try:
        skipped = [0]
        with scs_client.connect([server.address], "alpha", "alpha-secret", codec=codec_name) as session:
            session.on("skipped", lambda k: skipped.__setitem__(0, skipped[0] + k))
            n = 0
            start = None
            for batch in session.batches("frames", delivery="latest"):
                if start is None:
                    start = time.perf_counter()  # from the first DATA: admission is not decoding
                    skipped[0] = 0
                    continue
                n += len(batch)
                if time.perf_counter() - start >= seconds:
                    break
            elapsed = time.perf_counter() - start
        return n / elapsed, skipped[0] / elapsed
    finally:
        server.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--no-server", action="store_true", help="the decode stage only")
    p.add_argument("--seconds", type=float, default=5.0, help="real-path window per codec (default 5)")
    p.add_argument("--repeat", type=int, default=3, help="decode-stage runs per figure; the best counts")
    a = p.parse_args()
    codecs = [("msgpack", MSGPACK), ("builtin", BUILTIN)] if MSGPACK is not None else [("builtin", BUILTIN)]
    if MSGPACK is None:
        print("msgpack is not installed: built-in codec only (apt-get install python3-msgpack)")
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} at start")
    cases = [("frames", frame_records, 100, 100), ("parameters", parameter_records, 500, 100)]
    results = {}
    for stream, make, per_data, messages in cases:
        data, bodies = stream_of(make, per_data, messages)
        for name, codec in codecs:
            rate, n = decode_stage(data, stream, codec, a.repeat)
            floor = unpack_only(bodies, per_data, codec, a.repeat)
            results[(stream, name)] = rate
            print(f"decode {stream:10s} {name:8s} {rate:12,.0f} records/s  ({n} records, "
                  f"{len(data) / 1e6:.1f} MB; unpackb alone {floor:,.0f} records/s)")
        if len(codecs) == 2:
            print(f"decode {stream:10s} msgpack / builtin = {results[(stream, 'msgpack')] / results[(stream, 'builtin')]:.1f}x")
    if not a.no_server:
        real = {}
        for name, _ in codecs:
            rate, skipped = real_path(name, a.seconds)
            real[name] = rate
            print(f"real path frames {name:8s} {rate:12,.0f} records/s received, {skipped:,.0f}/s skipped by the server "
                  f"(saturating test source, delivery latest, {a.seconds:.0f} s)")
        if len(real) == 2:
            print(f"real path frames msgpack / builtin = {real['msgpack'] / real['builtin']:.1f}x")
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
