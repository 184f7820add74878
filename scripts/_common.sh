# shellcheck shell=bash
# Shared by the scripts in this folder: where Python 3.14 comes from, and how to run a command in it.
#
# Current Home Assistant needs Python >= 3.14. Where the machine has a `python3.14`, we use it with a
# virtual environment in `.venv/`. Where it has none (Debian 12 and 13 do not ship it), we build a
# Debian testing ("forky") root with debootstrap, which does ship it, and run everything inside it
# with chroot. The root lives outside the work tree (default ~/.cache/sms_dk/forky) so that every
# clone on the machine reuses it; set SMS_DK_ROOT to put it elsewhere.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="${SMS_DK_ROOT:-${HOME}/.cache/sms_dk/forky}"
# Inside the root the repository is bind-mounted here.
ROOT_REPO=/repo

# VENV runs the newest Home Assistant (requirements_test.txt, every gate), VENV_OLDEST the oldest
# supported one (requirements_test_oldest.txt, pytest only: scripts/test --matrix), and
# VENV_RELEASE_PREFIX<minor> each minor release's (requirements/ha-<minor>.txt, pytest only:
# scripts/test --ha <minor>, one job per minor in .github/workflows/tests.yml).
if command -v python3.14 >/dev/null 2>&1 && [ -z "${SMS_DK_FORCE_ROOT:-}" ]; then
  MODE=host
  VENV="${REPO}/.venv"
  VENV_OLDEST="${REPO}/.venv-oldest"
  VENV_RELEASE_PREFIX="${REPO}/.venv-ha-"
else
  MODE=root
  VENV=/opt/venv
  VENV_OLDEST=/opt/venv-oldest
  VENV_RELEASE_PREFIX=/opt/venv-ha-
fi

# release_requirements MINOR: the requirement file of one Home Assistant minor release (e.g.
# 2026.7), relative to the repository; fails with the releases there are if it has none.
release_requirements() {
  local file="requirements/ha-$1.txt"
  if [ ! -f "${REPO}/${file}" ]; then
    echo "no ${file}; the releases:" \
      $(cd "${REPO}/requirements" && ls ha-*.txt | sed 's/^ha-//; s/\.txt$//' | sort -V) >&2
    return 2
  fi
  echo "$file"
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# in_env CMD...: run CMD with the test venv first on PATH, in the repository's top folder.
# USE_VENV=DIR in_env CMD... puts another venv first (e.g. "$VENV_OLDEST").
in_env() {
  local venv=${USE_VENV:-$VENV}
  if [ "$MODE" = host ]; then
    (cd "$REPO" && PATH="${venv}/bin:${PATH}" "$@")
  else
    local quoted
    quoted=$(printf '%q ' "$@")
    unshare --mount --propagation private sh -c '
      set -e
      mount --bind /proc "$1/proc"
      mount --bind /dev "$1/dev"
      mkdir -p "$1/repo"
      mount --bind "$2" "$1/repo"
      exec chroot "$1" /usr/bin/env -u PIP_FIND_LINKS HOME=/root \
        PATH="$5/bin:/usr/local/bin:/usr/bin:/bin" LANG=C.UTF-8 \
        CI="$4" TERM="${TERM:-dumb}" sh -c "cd /repo && $3"
    ' sh "$ROOT" "$REPO" "$quoted" "${CI:-}" "$venv"
  fi
}
