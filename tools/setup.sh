#!/usr/bin/env bash
# Sets up a fresh machine of this kind for the project: the sandbox and ELF
# tools from Debian, the dev tooling venvs (3.11, and 3.8 = heroku-20's python
# for the buildpack's own code), and the local runtime store. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v patchelf >/dev/null || need_apt+=(patchelf)
command -v zstd >/dev/null || need_apt+=(zstd)
command -v readelf >/dev/null || need_apt+=(binutils)
command -v git >/dev/null || need_apt+=(git)
if ((${#need_apt[@]})); then
  echo "-----> Installing ${need_apt[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The dev tooling must not depend on this machine's pip configuration either.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS
PY311=${PY311:-/root/.pyenv/versions/3.11.7/bin/python3}
PY38=${PY38:-/root/.pyenv/versions/3.8.18/bin/python3}

make_venv() {  # dir python requirements...
  local dir=$1 python=$2; shift 2
  local stamp="$dir/.requirements.sha256"
  local want; want=$(cat "$@" 2>/dev/null | sha256sum | cut -c1-64)
  if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "-----> Creating $dir with $("$python" --version)"
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$@"
  echo "$want" >"$stamp"
}
make_venv .venv "$PY311" requirements-dev.txt
make_venv .venv38 "$PY38" test/requirements-py38.txt

echo "-----> Runtime store (.runtimes)"
"$PY311" tools/make_runtimes.py --stacks "${STACKS:-heroku-20 heroku-22 heroku-24}"
