#!/usr/bin/python3
"""Execute one of Penjing's Deno notebooks headlessly and summarise its outputs.

    /usr/bin/python3 scripts/run_notebook.py examples/00_smoke.ipynb [--timeout 120]

Uses Debian's nbclient (python3-nbclient, installed by scripts/install-system-deps.sh), so it
must run in Debian's own interpreter, /usr/bin/python3; started from another python3 it
re-executes itself there. Kernels are looked up only in the repository
(JUPYTER_PATH=<repo>/examples, i.e. examples/kernels/<name>/kernel.json), never in the
user's global Jupyter directories. Cells run with cwd = examples/ (--cwd DIR: in DIR).

Writes the executed notebook to out/notebooks/<name>.ipynb, the kernel's own log to
out/notebooks/<name>.kernel.log and the summary to out/notebooks/<name>.summary.json, and
prints the summary as JSON on stdout:

    {"notebook", "executed", "ok", "seconds", "kernel",
     "errors": [{"cell", "ename", "evalue", "traceback"}],
     "cells": [{"index", "execution_count", "source", "output_types", "mimes",
                "text_plain": [...], "html": [...], "stdout", "stderr"}]}

Exit status: 0 when no cell produced an error output, 1 when one did (execution stops at
the first failing cell, as in Jupyter's "run all"), 2 on a usage or set-up problem.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

DEBIAN_PYTHON = "/usr/bin/python3"

try:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import (CellExecutionComplete, CellExecutionError, CellTimeoutError,
                                     DeadKernelError)
    from nbclient.util import ensure_async
except ImportError as exc:  # not Debian's interpreter: hop over to it once
    if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.path.exists(DEBIAN_PYTHON) \
            and not os.environ.get("PENJING_RUN_NOTEBOOK_REEXEC"):
        os.environ["PENJING_RUN_NOTEBOOK_REEXEC"] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, *sys.argv])
    sys.stderr.write(
        f"run_notebook.py: cannot import nbclient/jupyter_client/nbformat ({exc}).\n"
        "Install Debian's packages with: bash scripts/install-system-deps.sh\n"
        f"and run this script with {DEBIAN_PYTHON}.\n")
    sys.exit(2)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
KERNELS = EXAMPLES / "kernels"
DEFAULT_KERNEL = "deno"


class SettlingNotebookClient(NotebookClient):
    """NotebookClient that keeps collecting a cell's outputs briefly after its idle status.

    Deno's kernel (2.9.6) sometimes publishes `status: idle` on IOPub *before* the cell's
    `stream` and `execute_result` messages. Stock nbclient stops listening at idle, so those
    outputs are silently lost (seen in about 1 run in 6 here). This client, after idle,
    drains IOPub until it has been quiet for `settle` seconds (each late message restarts
    the wait), before the next cell starts.
    """

    settle = float(os.environ.get("PENJING_IOPUB_SETTLE", "0.15"))

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index) -> None:
        assert self.kc is not None
        complete = False
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=self.settle if complete else None))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                complete = True


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def summarise(nb, notebook: Path, executed: Path, seconds: float, kernel: str, failure: dict | None) -> dict:
    cells = []
    errors = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        entry = {
            "index": index,
            "execution_count": cell.get("execution_count"),
            "source": _text(cell.source)[:200],
            "output_types": [],
            "mimes": [],
            "text_plain": [],
            "html": [],
            "stdout": "",
            "stderr": "",
        }
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            entry["output_types"].append(kind)
            if kind == "stream":
                entry[out.get("name", "stdout")] = entry.get(out.get("name", "stdout"), "") + _text(out.get("text"))
            elif kind in ("execute_result", "display_data", "update_display_data"):
                data = out.get("data", {})
                for mime in data:
                    if mime not in entry["mimes"]:
                        entry["mimes"].append(mime)
                if "text/plain" in data:
                    entry["text_plain"].append(_text(data["text/plain"]))
                if "text/html" in data:
                    entry["html"].append(_text(data["text/html"]))
            elif kind == "error":
                errors.append({
                    "cell": index,
                    "ename": out.get("ename"),
                    "evalue": out.get("evalue"),
                    "traceback": [str(t) for t in out.get("traceback", [])][:20],
                })
        cells.append(entry)
    if failure and not errors:  # a timeout or a dead kernel leaves no error output
        errors.append(failure)
    return {
        "notebook": str(notebook),
        "executed": str(executed),
        "ok": not errors,
        "seconds": round(seconds, 3),
        "kernel": kernel,
        "errors": errors,
        "cells": cells,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebook", help="path to an .ipynb, or a file name inside examples/")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("PENJING_CELL_TIMEOUT", "120")),
                    help="seconds per cell (default 120, env PENJING_CELL_TIMEOUT)")
    ap.add_argument("--startup-timeout", type=int, default=90, help="seconds for the kernel to start")
    ap.add_argument("--kernel", default=None, help="kernel name (default: the notebook's kernelspec, else deno)")
    ap.add_argument("--out", default=str(ROOT / "out" / "notebooks"), help="folder for the executed notebook")
    ap.add_argument("--cwd", default=str(EXAMPLES),
                    help="directory the cells run in (default examples/); imports resolve from its package.json")
    args = ap.parse_args()

    notebook = Path(args.notebook)
    if not notebook.exists() and (EXAMPLES / args.notebook).exists():
        notebook = EXAMPLES / args.notebook
    if not notebook.exists():
        sys.stderr.write(f"run_notebook.py: no such notebook: {args.notebook}\n")
        return 2
    notebook = notebook.resolve()
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / notebook.name
    stem = notebook.stem

    # Hermetic Jupyter: only the repository's kernelspecs; scratch data/runtime/config dirs.
    scratch = tempfile.mkdtemp(prefix="penjing-jupyter-")
    os.environ["JUPYTER_PATH"] = str(EXAMPLES)
    os.environ["JUPYTER_DATA_DIR"] = os.path.join(scratch, "data")
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(scratch, "runtime")
    os.environ["JUPYTER_CONFIG_DIR"] = os.path.join(scratch, "config")
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    os.environ["NO_COLOR"] = "1"             # plain text/plain from Deno.inspect
    os.environ["DENO_NO_UPDATE_CHECK"] = "1"
    os.environ["DENO_NO_PROMPT"] = "1"

    nb = nbformat.read(str(notebook), as_version=4)
    kernel = args.kernel or nb.metadata.get("kernelspec", {}).get("name") or DEFAULT_KERNEL
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        sys.stderr.write(f"run_notebook.py: no kernelspec '{kernel}' in {KERNELS} "
                         f"(have: {', '.join(sorted(p.name for p in KERNELS.iterdir() if p.is_dir()))})\n")
        return 2
    if not Path(spec.resource_dir).resolve().is_relative_to(KERNELS.resolve()):
        sys.stderr.write(f"run_notebook.py: kernel '{kernel}' resolved outside the repository "
                         f"({spec.resource_dir}); refusing to use a global kernelspec\n")
        return 2

    failure = None
    start = time.monotonic()
    with open(out_dir / f"{stem}.kernel.log", "w") as klog:
        for attempt in (1, 2):  # Deno's kernel start is occasionally flaky in containers
            client = SettlingNotebookClient(
                nb,
                kernel_name=kernel,
                timeout=args.timeout,
                startup_timeout=args.startup_timeout,
                allow_errors=False,
                record_timing=True,
                resources={"metadata": {"path": str(Path(args.cwd).resolve())}},
            )
            try:
                client.execute(stdout=klog, stderr=klog)
                failure = None
                break
            except CellExecutionError as exc:
                failure = {"cell": None, "ename": getattr(exc, "ename", "CellExecutionError"),
                           "evalue": getattr(exc, "evalue", str(exc)), "traceback": []}
                break
            except CellTimeoutError as exc:
                failure = {"cell": None, "ename": "CellTimeoutError", "evalue": str(exc), "traceback": []}
                break
            except (DeadKernelError, RuntimeError, TimeoutError) as exc:
                started = any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
                failure = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc), "traceback": []}
                if started or attempt == 2:
                    break
                sys.stderr.write(f"run_notebook.py: kernel start failed ({exc}); retrying once\n")
                nb = nbformat.read(str(notebook), as_version=4)
    seconds = time.monotonic() - start

    nbformat.write(nb, str(executed))
    summary = summarise(nb, notebook, executed, seconds, kernel, failure)
    (out_dir / f"{stem}.summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
