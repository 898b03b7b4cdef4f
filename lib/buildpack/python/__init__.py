"""Choosing and installing the Python runtime: stacks, version files, resolution, the runtime store."""
