"""The one option spec (textwash.config) reaches the CLI and the flow without a second list."""
import dataclasses
import os

from typer.testing import CliRunner

from textwash.cli import app
from textwash.config import RunOptions, Settings, spec_of

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")


def _flags(command: str) -> str:
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=250, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_setting_and_run_option_is_an_option_of_run_and_backfill():
    for command in ("run", "backfill"):
        shown = _flags(command)
        for cls in (Settings, RunOptions):
            for field in dataclasses.fields(cls):
                flag = spec_of(field).flag or "--" + field.name.replace("_", "-")
                assert flag in shown, (command, flag)


def test_command_line_values_become_the_settings_the_run_gets(monkeypatch, tmp_path):
    from textwash import cli

    got = {}
    monkeypatch.setattr(cli, "_run_flow", lambda raw, out, workers, dask, settings, options, selection=None:
                        got.update(settings=settings, options=options))
    result = CliRunner().invoke(app, ["run", str(tmp_path), "--layer-off", "model", "--layer-off", "templates",
                                      "--extract-timeout", "0", "--max-bytes", "1000", "--batch-size", "7"])
    assert result.exit_code == 0, result.output
    assert got["settings"] == Settings(layers_off=frozenset({"model", "templates"}), extract_timeout=None, max_bytes=1000)
    assert got["options"] == RunOptions(batch_size=7)
    backfill = CliRunner().invoke(app, ["backfill", str(tmp_path)])
    assert backfill.exit_code == 0 and got["options"].commit_every == cli.BACKFILL_COMMIT_EVERY


def test_a_misspelt_layer_is_refused_before_anything_runs(tmp_path):
    result = CliRunner().invoke(app, ["run", str(tmp_path), "--layer-off", "modle"])
    assert result.exit_code == 2 and "unknown cleaning layers" in result.output


def test_a_deployment_sets_the_same_fields_as_objects():
    from textwash_flows.ingest import ingest

    parameters = ingest.validate_parameters({"raw": "raw", "settings": {"max_bytes": 10, "layers_off": ["model"]},
                                             "options": {"batch_size": 7}})
    assert parameters["settings"] == Settings(max_bytes=10, layers_off=frozenset({"model"}))
    assert parameters["options"] == RunOptions(batch_size=7)
