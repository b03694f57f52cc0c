#!/usr/bin/env bash
# Installs the Debian packages Penjing's tests need. Idempotent: when every package is
# already installed it says so and exits at once, without touching apt.
#
#   bash scripts/install-system-deps.sh              # what `npm test` needs (its pretest step
#                                                    # runs this; so does CI)
#   bash scripts/install-system-deps.sh --test       # the same, as `npm test`'s pretest runs it:
#                                                    # on failure it says how to go on; with
#                                                    # PENJING_SKIP_SYSTEM_DEPS=1 it does nothing
#   bash scripts/install-system-deps.sh --reference  # also the numeric reference stack
#                                                    # (only to regenerate committed fixtures)
#
# Packages (Debian 12 "bookworm" names, checked with apt-cache policy):
#   chromium                 /usr/bin/chromium, driven by playwright-core in tests/browser
#   fonts-dejavu-core        one known font set, so screenshots and text metrics match across
#                            machines (chromium only recommends fonts-liberation)
#   python3-nbclient         executes examples/*.ipynb headlessly (scripts/run_notebook.py)
#   python3-jupyter-client   kernel manager nbclient talks to the Deno kernel with
#   python3-nbformat         reads and writes .ipynb files
#   mesa-vulkan-drivers      Mesa's lavapipe (CPU Vulkan): WebGPU for Deno without a GPU
#                            (tests/deno-webgpu.test.ts runs Gemma on tfjs-backend-webgpu)
# With --reference, in addition:
#   python3-torch python3-numpy libopenblas0-pthread
#
# No ipykernel is needed: the only kernel the notebooks use is Deno's, from the npm
# package `deno` (see examples/kernels/deno). These Python modules load only in Debian's
# own interpreter, /usr/bin/python3, not in a pyenv or virtualenv python3 on PATH.
set -euo pipefail

REQUIRED=(chromium fonts-dejavu-core python3-nbclient python3-jupyter-client python3-nbformat mesa-vulkan-drivers)
REFERENCE=(python3-torch python3-numpy libopenblas0-pthread)

packages=("${REQUIRED[@]}")
for_test=0
for arg in "$@"; do
  case "$arg" in
    --reference) packages+=("${REFERENCE[@]}") ;;
    --test) for_test=1 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "install-system-deps: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
if [[ "${PENJING_REFERENCE_DEPS:-0}" == "1" ]]; then packages+=("${REFERENCE[@]}"); fi

log() { echo "[install-system-deps] $*"; }

if [[ $for_test -eq 1 ]]; then
  if [[ "${PENJING_SKIP_SYSTEM_DEPS:-0}" == "1" ]]; then
    log "PENJING_SKIP_SYSTEM_DEPS=1: not checking ${packages[*]}"
    exit 0
  fi
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then
    log "npm test stopped here: the browser tests need Debian'"'"'s chromium and the notebook tests its python3-nbclient." >&2
    log "Install them as above, or run the tests anyway (those will fail) with PENJING_SKIP_SYSTEM_DEPS=1 npm test" >&2
  fi' EXIT
fi

installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all present: ${packages[*]}"
  exit 0
fi
log "missing: ${missing[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
  log "apt-get not found: this script supports Debian/Ubuntu only. Install by hand: ${missing[*]}" >&2
  exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  # sudo -n fails at once where it would ask for a password; say so instead of retrying.
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    log "not root (and sudo needs a password): install them once as root, then rerun:" >&2
    log "  sudo bash scripts/install-system-deps.sh" >&2
    log "or: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a
export DEBCONF_NONINTERACTIVE_SEEN=true
APT_OPTS=(
  -o DPkg::Lock::Timeout=300          # wait for another apt/dpkg instead of failing at once
  -o Dpkg::Options::=--force-confdef
  -o Dpkg::Options::=--force-confold
  -o Acquire::Retries=3
)

# Retry a command a few times: covers a lock held past the timeout above, and transient
# mirror errors.
retry() {
  local n=1 max=4 delay=10
  while true; do
    if "$@"; then return 0; fi
    if (( n >= max )); then log "failed after $n tries: $*" >&2; return 1; fi
    log "try $n failed; retrying in ${delay}s: $*"
    sleep "$delay"; n=$((n + 1)); delay=$((delay * 2))
  done
}

start=$SECONDS
log "apt-get update"
retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" -q update

log "apt-get install -y --no-install-recommends ${missing[*]}"
retry "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a \
  apt-get "${APT_OPTS[@]}" -q -y --no-install-recommends install "${missing[@]}"

# Check what the tests rely on, so a broken install fails here and not mid-test.
for p in "${packages[@]}"; do
  installed "$p" || { log "package $p is still not installed" >&2; exit 1; }
done
if installed chromium; then log "$(/usr/bin/chromium --version 2>/dev/null || echo 'chromium: version unknown')"; fi
/usr/bin/python3 -c 'import nbclient, jupyter_client, nbformat; print("[install-system-deps] nbclient", nbclient.__version__, "jupyter_client", jupyter_client.__version__)'
log "done in $((SECONDS - start))s"
