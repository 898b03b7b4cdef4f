from buildpack import output


def test_block_shape():
    text = output.format_block("Error", "Something broke.", "What was found.\n\n1. Fix it.")
    assert text == (
        "\n !     Error: Something broke.\n !\n !     What was found.\n !\n !     1. Fix it.\n\n"
    )


def test_step_and_detail(capsys):
    output.step("Installing Python 3.12.1")
    output.detail("one\ntwo")
    assert capsys.readouterr().out == "-----> Installing Python 3.12.1\n       one\n       two\n"


def test_warning_goes_to_stderr(capsys):
    output.warning("Careful.")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert " !     Warning: Careful." in captured.err


def test_sizes_and_durations():
    assert output.format_size(512) == "512 B"
    assert output.format_size(3 * 1024 * 1024) == "3.0 MB"
    assert output.format_duration(0.25) == "0.25s"
    assert output.format_duration(75) == "1m 15s"
