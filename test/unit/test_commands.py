

def test_redacting_a_megabyte_line_without_a_url_ends():
    """An unbounded pattern took ~10^12 steps on such a line (a settings module printing 1 MB hung the build)."""
    from buildpack import commands

    line = "x" * 1_000_000 + " https://user:token@host/"
    assert commands.redact(line).endswith(" https://****@host/")
