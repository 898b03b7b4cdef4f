"""Runs under the APP's python (3.8+), not the buildpack's: reports what is installed.

Usage: python inspect_env.py '<json list of top-level requirement strings>' or 'null' ['<json list to keep>']
Prints JSON: {"installed": {name: version}, "needed": [names] | null}
where "needed" is the dependency closure of the top-level requirements,
evaluated with this interpreter's markers (so it must run in the app's env).
"""
import json
import re
import sys

try:
    from importlib import metadata
except ImportError:  # pragma: no cover - Python < 3.8 is refused earlier
    sys.exit("importlib.metadata is required")


def canonicalize_name(name):
    # PEP 503, as packaging.utils does: the environment may have no pip (uv, Poetry, Pipenv).
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_distributions():
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist)
    return found


def closure(top_level, dists):
    # Only requirements files ask for a closure, and their environments have pip.
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement

    needed = set()
    queue = [(req, ()) for req in top_level]
    seen = set()
    while queue:
        text, extras = queue.pop()
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None and not any(
            req.marker.evaluate({"extra": extra}) for extra in (extras or ("",))
        ):
            continue
        name = canonicalize_name(req.name)
        key = (name, tuple(sorted(req.extras)))
        if key in seen:
            continue
        seen.add(key)
        needed.add(name)
        dist = dists.get(name)
        if dist is None:
            continue
        for child in dist.requires or []:
            queue.append((child, tuple(sorted(req.extras))))
    return needed


def main():
    top_level = json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
    # The buildpack's own tools (pip, setuptools): needed whatever the requirements say.
    keep = json.loads(sys.argv[2]) if len(sys.argv) > 2 else ["pip"]
    dists = installed_distributions()
    report = {"installed": {name: dist.version for name, dist in sorted(dists.items())}, "needed": None}
    if top_level is not None:
        report["needed"] = sorted(closure(top_level, dists) | set(keep))
    json.dump(report, sys.stdout)


main()
