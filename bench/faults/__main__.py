"""python -m bench.faults --claims 100000 --persons 10000   (the full run; exits 1 if any invariant is not 0)"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bench.faults.faults import CATALOGUE, FULL
from bench.faults.suite import Options, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--faults", default=",".join(FULL), help=f"comma-separated, of: {', '.join(CATALOGUE)}")
    parser.add_argument("--flow-seconds", type=float, default=20.0, help="how long each fault's slice flows")
    parser.add_argument("--catch-up-seconds", type=float, default=180.0)
    parser.add_argument("--rest-share", type=float, default=0.05, help="share of claims posted over REST")
    args = parser.parse_args(argv)
    options = Options(
        claims=args.claims,
        persons=args.persons,
        faults=[f for f in args.faults.split(",") if f],
        flow_seconds=args.flow_seconds,
        catch_up_seconds=args.catch_up_seconds,
        rest_share=args.rest_share,
    )
    text, ok = asyncio.run(run(options))
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
