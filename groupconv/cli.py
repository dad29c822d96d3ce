"""The ``groupconv`` command line: ``groupconv verify`` (the main job)."""

from __future__ import annotations

import argparse
import json
import sys

from . import verify

__all__ = ["main"]


def _verify(args: argparse.Namespace) -> int:
    rows, seconds = verify.timed_run(seed=args.seed, trials=args.trials)
    failed = sum(not r.passed for r in rows)
    if args.json:
        print(json.dumps({"seed": args.seed, "trials": args.trials, "seconds": seconds,
                          "passed": len(rows) - failed, "failed": failed,
                          "rows": [r.to_dict() for r in rows]}, indent=2))
    else:
        print(verify.format_table(rows, seconds, args.seed))
    return 1 if failed else 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="groupconv", description="Group-equivariant CNNs, exact and in NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("verify", help="check every claim of the theory on random inputs",
                       description="Check group laws, L_g and the equivariance of lifting, "
                       "group correlation and group convolution on fresh random inputs, and "
                       "the symbolic proofs of the group laws. Exits 1 if a claim fails.")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--trials", type=_positive, default=5,
                   help="random trials per claim and group (default 5)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(run=_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
