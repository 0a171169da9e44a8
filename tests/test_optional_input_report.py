"""An empty optional input is stated on the report page, not only in a log line.

The active travel starter declares its DfT traffic counts optional. With a
header-only traffic file the pipeline publishes the index without the cycle
traffic component; the report rendered from that run (pure-Python path, in the
project's own locked environment) must say plainly what is missing and how the
index was computed without it, and must not describe a component it does not have.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from . import report_checks
from .conftest import generate, uv_in

pytestmark = pytest.mark.generated


def uv(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``uv ARGS`` in the project with its own environment; fail with its output."""
    done = uv_in(project, *args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_the_report_says_what_is_missing_and_how_the_index_was_computed(tmp_path: Path) -> None:
    project = generate(tmp_path, lock=True, starter="active_travel")
    traffic = project / "data" / "sample" / "active_travel" / "traffic_aadf.csv"
    traffic.write_text(traffic.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")

    ran = uv(project, "run", "--locked", "--quiet", "python", "-m", "my_rap_project", "run")
    assert "Published WITHOUT input 'traffic_aadf'" in ran.stderr
    manifest = json.loads((project / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["name"] for entry in manifest["missing_inputs"]] == ["traffic_aadf"]

    uv(project, "run", "--locked", "--quiet", "--group", "report", "python", "-m", "rapkit.render", "reports")
    page = (project / "reports" / "_output" / "active_travel.html").read_text(encoding="utf-8")
    text = report_checks.visible_text(page)
    assert "Published without some data." in text
    assert "Road traffic statistics: annual average daily flow by count point" in text  # its title
    assert "data/sample/active_travel/traffic_aadf.csv had no data rows" in text
    assert "this release is published without the cycle traffic component" in text
    assert "How the index was computed without it: the index is the sum of the two other shares" in text
    assert "not 0 to 3" in text
    assert "Cycle traffic is missing from this release" in text
    assert "Index (0 to 2)" in text
    # Nothing describes cycle traffic as if it were there.
    assert "Cycle traffic was counted inside the area itself" not in text
    assert "Where each area's cycle traffic share comes from" not in text
