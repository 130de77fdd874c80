import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"


def run_monitor(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_validate_ok():
    result = run_monitor("validate", "-c", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_validate_bad_key_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("window: 7d", "window: 7 days"))
    result = run_monitor("validate", "-c", str(bad))
    assert result.returncode == 2
    assert "monitors.fraud-scorer.window" in result.stderr
    assert str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exit_2():
    result = run_monitor("validate")
    assert result.returncode == 2
