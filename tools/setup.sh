#!/usr/bin/env bash
# Sets up a fresh machine of this kind for the project: the sandbox and ELF
# tools from Debian, the dev tooling venvs (3.11, and 3.8 = heroku-20's python
# for the buildpack's own code), the local runtime store, and the container
# runner: podman, the stack images (Heroku's, or Debian stand-ins) and CPython
# built from Debian's source inside the stand-ins (what the tests use; the rest on demand). Idempotent: images
# and source builds are keyed by their inputs and made once per machine.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v patchelf >/dev/null || need_apt+=(patchelf)
command -v zstd >/dev/null || need_apt+=(zstd)
command -v readelf >/dev/null || need_apt+=(binutils)
command -v git >/dev/null || need_apt+=(git)
command -v openssl >/dev/null || need_apt+=(openssl)
# The container runner: podman with runc (crun and this kernel's cgroup v1 do not get along),
# mmdebstrap for the stand-in images.
command -v podman >/dev/null || need_apt+=(podman runc uidmap slirp4netns catatonit conmon containernetworking-plugins)
command -v mmdebstrap >/dev/null || need_apt+=(mmdebstrap)
if ((${#need_apt[@]})); then
  echo "-----> Installing ${need_apt[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
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
# The `localheroku` console script (pyproject.toml), editable: it finds the buildpack beside it.
[[ -x .venv/bin/localheroku ]] || .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .

echo "-----> Runtime store (.runtimes)"
"$PY311" tools/make_runtimes.py --stacks "${STACKS:-heroku-20 heroku-22 heroku-24 heroku-26}"

echo "-----> Stack images for the container runner (pulled, or Debian stand-ins made once per machine)"
time PYTHONPATH=tools "$PY311" -m localheroku images heroku-20 heroku-24
echo "-----> Runtimes built from Debian's source in the stand-in images (~/.cache/localheroku/runtimes-src)"
time "$PY311" tools/source_runtimes.py
