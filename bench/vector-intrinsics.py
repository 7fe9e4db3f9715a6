#!/usr/bin/env python3
"""Vector API intrinsics per C2 compilation, from a HotSpot compilation log.

A Vector API call that C2 fails to intrinsify runs the API's Java fallback, often 10-100x slower, and
nothing else says so: a whole training step can run at half speed in one JVM and at full speed in the
next (bench/HISTORY.md, session 7). Record a log and list what each of our methods' final C2 compile got:

    PAB_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=target/jit.log" \\
        ./pab bench --arch ResNet20 --bs 128 --steps 5
    bench/vector-intrinsics.py target/jit.log                  # every method with vector intrinsics
    bench/vector-intrinsics.py target/jit.log dotKernel        # methods whose name contains dotKernel

Each line: the method (with its signature), then its count of each intrinsic kind (_VectorLoadOp, _VectorStoreOp, ...) in
its last tier-4 (C2) compile, OSR compiles left out. Compare two runs' lists: a kernel that lost some
of its intrinsics in one of them is the one running the fallback.
"""
import collections
import re
import sys


def final_c2_compiles(path, prefix="peekaboo"):
    """{method: Counter of vector intrinsic ids} for the last non-OSR level-4 compile of each method."""
    result = {}
    method, counts = None, None
    with open(path, errors="replace") as log:
        for line in log:
            if line.startswith("<task "):
                name = re.search(r"method='([^']*)'", line)
                level = re.search(r"level='(\d)'", line)
                # with the signature: overloads (a static helper and the instance method it calls) are
                # separate compiles, and the last one of either must not hide the other
                method = name.group(1) if name else None
                if not method or not method.startswith(prefix) or "osr_bci" in line or (level and level.group(1) != "4"):
                    method = None
                counts = collections.Counter()
            elif line.startswith("</task>"):
                if method:
                    result[method] = counts
                method = None
            elif method:
                counts.update(re.findall(r"<intrinsic id='(_Vector\w+)'", line))
    return result


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    try:
        compiles = final_c2_compiles(argv[1])
    except OSError as e:
        print(f"vector-intrinsics.py: cannot read {argv[1]}: {e.strerror}; record one with -XX:+LogCompilation "
              "(see --help).", file=sys.stderr)
        return 2
    wanted = argv[2] if len(argv) > 2 else ""
    shown = 0
    for method in sorted(compiles):
        counts = compiles[method]
        if wanted in method and (wanted or sum(counts.values())):
            print(method, " ".join(f"{k[1:]}={v}" for k, v in sorted(counts.items())) or "(none)")
            shown += 1
    if shown == 0:
        print(f"vector-intrinsics.py: no C2 compile of a method matching '{wanted}' in {argv[1]}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
