"""The ``groupconv`` command line: ``groupconv verify`` (the main job), ``groupconv figures``,
``groupconv bench`` and ``groupconv labs`` (the course labs' notebooks, handed out)."""

from __future__ import annotations

import argparse
import contextlib
import json
import pathlib
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import __version__
from .arguments import counted
from .checks import verify
from .groups import WALLPAPER

__all__ = ["main", "build_parser"]


def _given(*options: tuple[str, object]) -> list[str]:
    """The flags among (flag, value) pairs that were given: a value other than None or False."""
    return [flag for flag, value in options if value is not None and value is not False]


def _named(flags: list[str], one: str, many: str) -> str:
    """"--a, --b go": the flags and the verb that agrees with them."""
    return f"{', '.join(flags)} {one if len(flags) == 1 else many}"


#: The library's argument names that stand for a command's options, as its messages begin.
_OPTIONS = {"only": "--only", "layout": "--layout", "kinds": "--kinds", "group": "--groups",
            "groups": "--groups", "out": "--out", "convention": "--convention",
            "variants": "--variants", "cases": "--cases"}


def _as_options(message: str) -> str:
    """A library message that begins with an argument's name, begun with its option instead
    ("layout must be ..." -> "--layout must be ...")."""
    word, _, rest = message.partition(" ")
    return f"{_OPTIONS[word]} {rest}" if word in _OPTIONS and rest else message


def _refuse(command: str, message: str) -> int:
    """An error found while running: one line on stderr, exit status 2."""
    print(f"groupconv {command}: {_as_options(message)}", file=sys.stderr)
    return 2


@contextlib.contextmanager
def _output_folder(out: str | pathlib.Path) -> Iterator[pathlib.Path]:
    """``out`` as a Path for a command to write into (the command creates it). Should the
    command fail, the folders it created and the files it added are removed again."""
    if not str(out):
        raise ValueError("the output folder must be named (--out DIR), got ''")
    folder = pathlib.Path(out)
    missing = [p for p in (folder, *folder.parents) if not p.exists() and not p.is_symlink()]
    before = set(folder.iterdir()) if not missing and folder.is_dir() else set()
    try:
        yield folder
    except BaseException:
        if missing:
            shutil.rmtree(missing[-1], ignore_errors=True)      # the topmost folder it created
        elif folder.is_dir():
            for path in set(folder.iterdir()) - before:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        raise


def _verify(args: argparse.Namespace) -> int:
    if args.self_test:
        given = _given(("--only", args.only), ("--trials", args.trials),
                       ("--quick", args.quick))
        if given:
            return _refuse("verify", f"--self-test runs every known-wrong variant once on its "
                           f"own groups: {_named(given, 'does', 'do')} not apply to it")
        return _self_test(args)
    if args.quick and args.trials is not None:
        return _refuse("verify", "--quick is one trial per claim: give --quick or --trials, "
                       "not both")
    trials = 1 if args.quick else 5 if args.trials is None else args.trials
    only = args.only
    if only is not None and ":" in only:      # MODULE:NAME, a user's group: import, register
        named = _groups_named([only], "--only")
        if isinstance(named, str):
            return _refuse("verify", named)
        only = named[0]
    try:
        rows, seconds = verify.timed_run(    # a line per claim on stderr while it runs
            seed=args.seed, trials=trials, only=only,
            progress=lambda line: print(f"verify: {line}", file=sys.stderr, flush=True))
    except ValueError as error:
        return _refuse("verify", str(error))
    if not rows:   # verify.run refuses a name that names nothing, listing the names
        return _refuse("verify", f"--only {args.only!r} selects no row of the default groups")
    failed = sum(not r.passed for r in rows)
    if args.json:
        print(json.dumps({"seed": args.seed, "trials": trials, "seconds": seconds,
                          "passed": len(rows) - failed, "failed": failed,
                          "rows": [r.to_dict() for r in rows]}, indent=2))
    else:
        print(verify.format_table(rows, seconds, args.seed))
    return 1 if failed else 0


def _self_test(args: argparse.Namespace) -> int:
    from .checks import selftest

    start = time.perf_counter()
    # (with --json the lines go to stderr: stdout holds the JSON alone, printed at the end)
    progress = (lambda line: print(line, file=sys.stderr if args.json else sys.stdout,
                                   flush=True))
    try:
        results = selftest.run(seed=args.seed, progress=progress)
    except ValueError as error:          # the library fails its claims before any variant
        print(f"groupconv verify --self-test: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"variants": results}, indent=2))
    else:
        print(selftest.format_table(results, time.perf_counter() - start))
    return 0 if all(selftest.passed(r) for r in results) else 1


def _figures(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from . import viz   # matplotlib only when figures are asked for

    start = time.perf_counter()
    try:
        with _output_folder(args.out) as out:
            written = viz.save_all(out, only=args.only, dpi=args.dpi, fmt=args.format)
    except ValueError as error:
        return _refuse("figures", str(error))
    except OSError as error:
        return _refuse("figures", f"cannot write into {args.out!r}: "
                       f"{error.strerror or error}{_where(error, args.out)}")
    print(f"{counted(len(written), 'file')} written to {args.out} in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def _where(error: OSError, out: str) -> str:
    """ " (path)" where an OSError names a path other than ``out``."""
    return f" ({error.filename})" if error.filename and str(error.filename) != str(out) else ""


def _conformance(args: argparse.Namespace) -> int:
    from . import conformance

    if args.check is not None:
        return _conformance_check(args)
    given = _given(("--cases", args.cases), ("--layout", args.layout),
                   ("--convention", args.convention), ("--exact", args.exact))
    if given:
        return _refuse("conformance", f"{_named(given, 'goes', 'go')} with --check (checking a "
                       f"layer), not with --out (writing vectors)")
    if not args.force and (pathlib.Path(args.out) / "manifest.json").exists():
        return _refuse("conformance", f"{args.out} holds conformance vectors already "
                       f"(manifest.json): give --force to write over them")
    groups = _groups_named(args.groups)
    if isinstance(groups, str):
        return _refuse("conformance", groups)
    start = time.perf_counter()
    try:
        with _output_folder(args.out) as out:
            manifest = conformance.write(out, groups=groups or list(WALLPAPER),
                                         seed=0 if args.seed is None else args.seed,
                                         kinds=args.kinds or conformance.CORRELATIONS,
                                         variants=args.variants or ())
    except ValueError as error:
        return _refuse("conformance", str(error))
    except OSError as error:
        return _refuse("conformance", f"cannot write into {args.out!r}: "
                       f"{error.strerror or error}{_where(error, args.out)}")
    print(f"{len(manifest['cases'])} cases and manifest.json written to {args.out} in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def _import_module(module_name: str, what: str = "FACTORY") -> Any:
    """The module a command line names (MODULE, looked up in the current folder and the
    installed packages, or FILE.py, which imports the modules beside it as ``python FILE.py``
    would), or a sentence saying why it cannot be imported."""
    import importlib
    import importlib.util
    import os

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        if module_name.endswith(".py"):         # a file, by its path
            if not os.path.isfile(module_name):
                return f"no file {module_name!r} (from {os.getcwd()})"
            name = f"_groupconv_check_{os.path.basename(module_name)[:-3]}"
            # the file's own folder first, as `python FILE` has it: its sibling modules import
            folder = os.path.dirname(os.path.abspath(module_name))
            if folder not in sys.path:
                sys.path.insert(0, folder)
            spec = importlib.util.spec_from_file_location(name, module_name)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module        # as an import does (dataclasses look it up)
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
        else:
            module = importlib.import_module(module_name)
    except Exception as error:
        missing = getattr(error, "name", None) if isinstance(error, ModuleNotFoundError) else None
        if missing and module_name.endswith(".py") or \
                missing and missing.split(".")[0] != module_name.split(".")[0]:
            # found, but what it imports is not installed
            beside = ", nor a module in the file's folder" if module_name.endswith(".py") else ""
            return (f"{module_name!r} imports {missing!r}, which is not installed here"
                    f"{beside} (pip install {missing.split('.')[0]}): {error}")
        where = (f" (a module is looked up in the current folder, {os.getcwd()}, and the "
                 f"installed packages; from elsewhere give its file, PATH.py:{what})"
                 if isinstance(error, ModuleNotFoundError) else "")
        return f"cannot import {module_name!r}: {type(error).__name__}: {error}{where}"
    return module


def _groups_named(names: list[str] | None, option: str = "--groups"
                  ) -> list[str] | str | None:
    """``--groups`` (or ``option``) with every MODULE:NAME (or FILE.py:NAME) a user's group
    imported and registered, so that it is named like the others; a sentence where one cannot
    be."""
    from .groups import AffineGroup, register

    if names is None:
        return None
    out = []
    for name in names:
        module_name, _, attribute = name.rpartition(":")
        if not module_name:
            out.append(name)
            continue
        module = _import_module(module_name, "NAME")
        if isinstance(module, str):
            return f"{option} {name}: {module}"
        group = getattr(module, attribute, None)
        if not isinstance(group, AffineGroup):
            return (f"{option} {name}: {module_name} has no group {attribute!r} (a "
                    f"SemidirectProduct, SE2 or ScaleTranslation), got "
                    f"{type(group).__name__}")
        try:
            register(group)
        except ValueError as error:
            return f"{option} {name}: {error}"
        out.append(group.name)
    return out


def _conformance_check(args: argparse.Namespace) -> int:
    """``--check MODULE:FACTORY``: every case through the user's layer; one line per failing
    case; exit 0 if all agree, 1 if one does not, 2 on a usage error."""
    from . import conformance, testing

    def usage(message: str) -> int:
        print(f"groupconv conformance --check: {_as_options(message)}", file=sys.stderr)
        return 2

    if args.force:
        return usage("--force goes with --out (writing over a folder's vectors), not with "
                     "--check")
    given = _given(("--variants", args.variants), ("--seed", args.seed))
    if given:
        return usage(f"{_named(given, 'chooses', 'choose')} the cases --out writes; --check "
                     f"runs the cases there are (the shipped set, or --cases DIR written with "
                     f"--variants and --seed)")
    module_name, _, factory_name = args.check.rpartition(":")
    if not module_name or not factory_name:
        return usage(f"expected MODULE:FACTORY or FILE.py:FACTORY (e.g. my_layers:factory), "
                     f"got {args.check!r}")
    module = _import_module(module_name)
    if isinstance(module, str):
        return usage(module)
    factory = getattr(module, factory_name, None)
    if factory is None:
        return usage(f"{module_name} has no function {factory_name!r}")
    if not callable(factory):
        return usage(f"{module_name}.{factory_name} is {type(factory).__name__}, not a function "
                     f"(FACTORY(case) must build the layer of a case)")
    convention = args.convention        # a name, or indices as "0,3,2,1" (element_order)
    groups = _groups_named(args.groups)
    if isinstance(groups, str):
        return usage(groups)
    try:
        cases = conformance.load(args.cases, groups=groups, kinds=args.kinds)
    except ValueError as error:
        return usage(str(error))
    if not cases:
        given = " and ".join(f"--{name} {' '.join(value)}" for name, value in
                             (("groups", args.groups), ("kinds", args.kinds)) if value)
        return usage((f"no case matches {given}" if given else "the folder holds no case") + (
            "" if args.cases else " (the shipped set holds the wallpaper groups, P4/mmm and "
            "P432: write cases of others with groupconv conformance --out DIR --groups ..., "
            "and check them with --cases DIR)"))
    build = factory                     # the user's factory, as given
    if args.layout is not None or convention is not None:
        def factory(case):      # the layer in its element order loads its weights in it
            conv = convention or "groupconv"
            return testing.adapt(build(testing.in_convention(case, conv)), case,
                                 layout=args.layout or "split", convention=conv)
        try:
            testing.adapt(lambda x: x, cases[0], layout=args.layout or "split",
                          convention=convention or "groupconv")
        except ValueError as error:
            return usage(str(error))
    start = time.perf_counter()
    results = testing.check_cases(factory, cases, exact=args.exact, convention=convention)
    seconds = time.perf_counter() - start
    for result in results:
        if not result.passed:
            print(f"FAIL {result.case.id}: {' / '.join(result.diagnosis.splitlines())}")
    passed = sum(r.passed for r in results)
    print(f"{passed} of {len(results)} cases agree with groupconv ({seconds:.1f} s)")
    if passed < len(results):
        print(_by_kind(results, args.kinds is None))
        hint = _layout_hint(build, [r.case for r in results if not r.passed],
                            args.layout or "split", convention or "groupconv", args.exact)
        if hint:
            print(hint)
    return 0 if passed == len(results) else 1


#: The failing cases a layout hint tries (each layout): the first of them, for time
_LAYOUT_PROBES = 8


def _layout_hint(build: Callable[[Any], Any], failing: list, declared: str,
                 convention: str | Sequence[int], exact: bool) -> str:
    """A line naming the layout in which the first failing cases (whose x or y has a point
    axis) all agree, where the run read the layer in another one; "" where none does, and for
    a factory whose layers convert layouts themselves (made by torch_layer, jax_layer or
    adapt: they take groupconv's layout, and another read of them says nothing)."""
    from . import interop, testing

    probes = [case for case in failing if case.kind in ("lifting", "correlation",
                                                        "convolution")][:_LAYOUT_PROBES]

    def agrees(case, layout: str) -> bool:
        try:
            made = build(testing.in_convention(case, convention))
            if hasattr(made, "convention"):          # (converts its layout itself)
                return False
            return testing.check_case(testing.adapt(made, case, layout=layout,
                                                    convention=convention),
                                      case, exact=exact, diagnose=False).passed
        except Exception:        # noqa: BLE001 - a layer that fails in that layout too
            return False

    for layout in interop.LAYOUTS:
        if layout != declared and probes and all(agrees(case, layout) for case in probes):
            return (f"the failing cases agree when your layer is read in the layout "
                    f"{layout!r}, {_LAYOUT_WORDS[layout]}, not {declared!r}: give --layout "
                    f"{layout}")
    return ""


_LAYOUT_WORDS = {"split": "(B, C, S, ...)", "flat_cs": "(B, C S, ...), each channel's S "
                 "samples together", "flat_sc": "(B, S C, ...), each sample's C channels "
                 "together", "last_cs": "(B, ..., C S), channels last", "last_sc": "(B, ..., "
                 "S C), channels last"}


def _by_kind(results: list, all_kinds: bool) -> str:
    """The cases that agree, by kind and group ("lifting: p4 10/10, z2 0/6"), and, where every
    kind was checked, how to check only those a layer implements."""
    counts: dict[str, dict[str, list[int]]] = {}
    for result in results:
        seen = counts.setdefault(result.case.kind, {}).setdefault(result.case.group, [0, 0])
        seen[0] += bool(result.passed)
        seen[1] += 1
    lines = ["agreeing, by kind and group:"] + [
        f"  {kind}: " + ", ".join(f"{group} {n}/{total}" for group, (n, total) in groups.items())
        for kind, groups in counts.items()]
    if all_kinds and len(counts) > 1:
        lines.append("  (if your layer is of some kinds only: --kinds and --groups check those "
                     "alone)")
    return "\n".join(lines)


def _bench(args: argparse.Namespace) -> int:
    from . import bench

    bench.main(quick=not args.full, repeats=args.repeats)
    return 0


def _labs(args: argparse.Namespace) -> int:
    from . import labs

    try:
        written = labs.write(args.out, solutions=args.solutions, install=args.install,
                             overwrite=args.force)
    except FileExistsError as error:        # said in the command line's words
        return _refuse("labs", str(error).replace("pass overwrite=True (--force)",
                                                  "pass --force"))
    except (OSError, ValueError, TypeError) as error:
        return _refuse("labs", str(error))
    kind = "solution" if args.solutions else "student"
    print(f"{len(written)} {kind} notebooks written to {args.out}: "
          f"{', '.join(p.name for p in written)}")
    return 0


def _add_labs(sub) -> None:
    p = sub.add_parser("labs", help="hand out the course labs' notebooks",
                       description="Write the four course labs' student notebooks (shipped with "
                       "the package) into a folder; --solutions writes the instructor's "
                       "versions instead, from a clone of the repository. Exits 2 on a usage "
                       "error or when a notebook is already there.")
    p.add_argument("--out", required=True, help="the folder to write the notebooks into")
    p.add_argument("--solutions", action="store_true",
                   help="the solution notebooks (from the repository's labs/ folder)")
    p.add_argument("--install", default=None, metavar="REQUIREMENT",
                   help="what the notebooks' first cell installs on a hosted notebook where "
                        "groupconv is missing, e.g. a wheel's URL (default: none; groupconv is "
                        "not on PyPI, and a notebook without one says it is missing)")
    p.add_argument("--force", action="store_true", help="overwrite notebooks already there")
    p.set_defaults(run=_labs)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if not 1 <= value <= 10**6:
        raise argparse.ArgumentTypeError(f"expected a positive integer up to 10^6, got {text}")
    return value


def _dpi(text: str) -> int:
    """A figure's resolution, 10..600 dots per inch (as ``viz.save_all`` takes)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer in 10..600, got {text!r}") from None
    if not 10 <= value <= 600:
        raise argparse.ArgumentTypeError(f"expected an integer in 10..600, got {text}")
    return value


class _Once(argparse.Action):
    """An option that takes one value and may be given once (argparse keeps the last of
    several without a word: ``--only p4 --only p4m`` would run p4m's rows alone)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if getattr(namespace, self.dest) is not None:
            parser.error(f"{option_string} given twice ({getattr(namespace, self.dest)!r}, "
                         f"{values!r}): it takes one value")
        setattr(namespace, self.dest, values)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a seed in 0..2^63-1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="groupconv", description="Group-equivariant CNNs, exact and in NumPy.")
    parser.add_argument("--version", action="version", version=f"groupconv {__version__}")
    sub = parser.add_subparsers(dest="command")     # required: checked after the options
    p = sub.add_parser("verify", help="check every claim of the theory on random inputs",
                       description="Check group laws, L_g and the equivariance of lifting, "
                       "group correlation and group convolution, the fast path against the "
                       "literal sums, the layers and their gradients, on random inputs drawn "
                       "from --seed (others with another seed), and the symbolic proofs of the "
                       "group laws. Exits 1 if a claim fails, 2 on a usage error.")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--trials", type=_positive, default=None,
                   help="random trials per claim and group (default 5)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quick", action="store_true", help="one trial per claim and group")
    p.add_argument("--only", default=None, action=_Once, metavar="GROUP|CLAIM",
                   help="the rows of one group (e.g. p4m; a group of your own as MODULE:NAME "
                        "or FILE.py:NAME, imported and registered) or one claim (e.g. "
                        "fast_equals_literal)")
    p.add_argument("--self-test", action="store_true",
                   help="run every claim against known-wrong variants of the library and show "
                        "which claims catch each; exits 1 if one goes uncaught")
    p.set_defaults(run=_verify)
    p = sub.add_parser("figures", help="draw the figures of the paper and the lecture",
                       description="Write every figure of groupconv.viz as a PNG, PDF or "
                       "SVG (and the animated p4 feature map as a GIF), one progress line per "
                       "figure.")
    p.add_argument("--out", default="figures", help="output folder (default: figures/)")
    p.add_argument("--format", default="png", choices=("png", "pdf", "svg"),
                   help="the still figures' file format (default png)")
    p.add_argument("--only", default=None, action=_Once, help="one figure by name")
    p.add_argument("--dpi", type=_dpi, default=100,
                   help="resolution, 10..600 dots per inch (default 100)")
    p.set_defaults(run=_figures)
    p = sub.add_parser("conformance", help="write conformance vectors, or check a layer "
                       "against them", description="--out DIR: write inputs, weights, "
                       "groupconv's outputs and gradients of every case (lifting, group "
                       "correlation and convolution with k 1-5 and every padding, non-square; "
                       "--kinds and --variants for more) as .npz files with a manifest.json "
                       "(schema: docs/conformance.md). --check MODULE:FACTORY: run every "
                       "shipped case through FACTORY(case), a function of x (MODULE imported "
                       "from the current folder), print one line per failing case with its "
                       "diagnosis; exits 0 if all agree, 1 if one does not, 2 on a usage error.")
    target = p.add_mutually_exclusive_group()      # one of them: checked after the options
    target.add_argument("--out", help="output folder")
    target.add_argument("--check", action=_Once, metavar="MODULE:FACTORY",
                        help="check the layers FACTORY(case) builds against the cases")
    p.add_argument("--groups", nargs="+", default=None,
                   help="registered group names, or MODULE:NAME for a group your module "
                        "defines (default: the 13 symmorphic wallpaper groups for --out, every "
                        "shipped group for --check)")
    p.add_argument("--kinds", nargs="+", default=None, metavar="KIND",
                   help="lifting, correlation, convolution, subgroup_pool, spatial_pool, "
                        "batchnorm (default: the correlations for --out, all for --check)")
    p.add_argument("--variants", nargs="+", default=None, metavar="VARIANT",
                   help="--out: cases with stride 2, dilation 2, a bias, or all three at "
                        "once ('all' is the one case combining them; name each to get every "
                        "one), at k = 3 (k = 2 in 3D), padding 1")
    p.add_argument("--seed", type=_seed, default=None, help="--out: random seed (default 0)")
    p.add_argument("--cases", default=None, metavar="DIR",
                   help="--check: the cases of DIR (written by --out) instead of the shipped "
                        "set")
    p.add_argument("--layout", default=None,
                   help="--check: the layout the layers take and return: split (B, C, S, "
                        "...), flat_cs, flat_sc, last_cs, last_sc (channels last)")
    p.add_argument("--convention", default=None,
                   help="--check: the layers' element order (of their inputs, outputs and "
                        "weights: FACTORY gets the case's weights in it): groupconv, groupy, "
                        "escnn, e2cnn, hexaconv, or indices such as 0,3,2,1")
    p.add_argument("--exact", action="store_true",
                   help="--check: ask for bit-for-bit equality on the exact cases")
    p.add_argument("--force", action="store_true",
                   help="--out: write over the vectors of a folder that holds some")
    p.set_defaults(run=_conformance)
    p = sub.add_parser("bench", help="measure layer speed on this machine against PyTorch",
                       description="Time the fast path's layers (NumPy with and without a "
                       "Workspace, torch tensors, JAX, Dask; CuPy on a GPU) side by side with "
                       "torch's conv2d on the identical bank, and print the table.")
    p.add_argument("--full", action="store_true", help="float32 and float64 (default float32)")
    p.add_argument("--repeats", type=_positive, default=5, help="timed repeats (default 5)")
    p.set_defaults(run=_bench)
    _add_labs(sub)
    return parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands' parsers by name (argparse keeps them in its subparsers action)."""
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def main(argv: list[str] | None = None) -> int:
    """Run ``groupconv ARGS`` (also ``python -m groupconv``; ``argv`` defaults to the process's
    arguments) and return the exit status: 0 done, 1 a check failed, 2 a usage error. A usage
    error prints the subcommand's own usage; an error found while running (a name that names
    nothing, a folder that cannot be written) prints one line and leaves nothing behind."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    # unknown options first (argparse's own check of required ones would hide them)
    command = parser if args.command is None else _commands(parser)[args.command]
    if unknown:
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        parser.error(f"a command is required: {', '.join(_commands(parser))}")
    if args.command == "conformance" and (args.out is None) == (args.check is None):
        command.error("one of the arguments --out --check is required")
    try:
        return args.run(args)
    except KeyboardInterrupt:          # Ctrl-C: one line, and the shell's status for SIGINT
        print(f"groupconv {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
