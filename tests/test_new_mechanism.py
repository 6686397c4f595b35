"""A new mechanism is its settings, its module, one registry entry, its YAML and its docs.

The worked example of ``docs/extending.md`` (regional innovation hubs) is added to a
copy of the package exactly as the guide says, and nothing else: then the command
line runs it and writes its report and summary, the workshop gives its lever a
slider, the experiments sample its uncertainty for the strategy that has it and not
for the others, and the tests that check names and documents pass on the copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "regional_hubs"

SETTINGS = '''

class RegionalHubsConfig(Strict):
    """Regional innovation hubs: each region's hub shares its ICBs' pilot evidence."""

    enabled: bool = Field(False, description="Whether regional innovation hubs operate")
    staffed_share: float = share(
        0.8, "Chance a region's hub is staffed in a month (it shares nothing when not)",
        "assumption: a worked example", (0.5, 1.0), kind=UNCERTAIN, acts=WHEN_ON)
    hub_cost_gbp_m_per_year: float = param(
        1.0, "Yearly cost of one region's hub, paid nationally", "GBP m a year",
        "assumption: a worked example", ge=0.0, le=50.0, plausible=(0.5, 3.0),
        acts=WHEN_ON, workshop="Hubs: cost of a hub (GBP m a year)")
'''

MODULE = '''"""Regional innovation hubs: a region's hub shares its ICBs' completed pilots.

Each month a region's hub is staffed with chance ``staffed_share`` (its own stream,
``hubs``, drawn every month whatever else happens in the batch); a staffed hub makes
the pilots completed in its region's ICBs outside an ICB's own board evidence for
that ICB. Each hub costs the nation ``hub_cost_gbp_m_per_year``.
"""

from __future__ import annotations

import numpy as np

from ..flows import FlowSpec
from ..generators import uniforms
from ..population import MONTHS_PER_YEAR
from .base import Mechanism


class RegionalHubs(Mechanism):
    """The hubs' shared evidence and their cost; neutral when not enabled."""

    name = "regional_hubs"
    streams = ("hubs",)
    flows = (FlowSpec("hub_pilots_shared", "pilots",
                      "pilots completed in ICBs whose region's hub was staffed"),)

    def __init__(self, batch) -> None:
        super().__init__(batch)
        region = self.context.icb_region
        self.regions = int(region.max()) + 1
        self.same_region = (region[:, None] == region[None, :]).astype(float)
        self.staffed = np.zeros((batch.reps, len(region)), dtype=bool)

    def approach(self, month):
        """Which hubs are staffed this month: drawn every month, in every replication."""
        if not self.enabled:
            return
        staffed = uniforms(self.rngs["hubs"], (self.regions,)) < self.config.staffed_share
        self.staffed = staffed[:, self.context.icb_region] & self.context.reform_live[:, None]

    def observed_pilots(self, own, per_icb, per_innovation):
        """A staffed hub shows each ICB the pilots completed in its region outside its board."""
        if not self.enabled:
            return 0.0
        boards = self.context.boards
        apart = 1.0 - boards.same_board if self.context.boards_acting else \\
            1.0 - np.eye(len(self.same_region))
        self.flow("hub_pilots_shared")[:] = (per_icb.sum(axis=2) * self.staffed).sum(axis=1)
        shared = np.einsum("kj,rji->rki", self.same_region * apart, per_icb)
        return shared * self.staffed[:, :, None]

    def national_cost_gbp_m(self):
        """Every hub's running cost this month, while the strategy runs."""
        if not self.enabled:
            return 0.0
        yearly = self.config.hub_cost_gbp_m_per_year * self.regions
        return yearly / MONTHS_PER_YEAR * self.context.reform_live

    def programme_cost_gbp_m(self):
        """The hubs' cost counts against the strategy's spend cap."""
        return self.national_cost_gbp_m()
'''

YAML = '''defaults:
  - /defaults/strategy@_here_
  - _self_
name: regional_hubs
label: Regional hubs
regional_hubs:
  enabled: true
'''

ODD_ROW = ("| regional hubs (`strategy.regional_hubs`) | a staffed hub (chance "
           "`staffed_share` a month) shows each of its region's ICBs the pilots completed "
           "in the region's other ICBs | each hub costs `hub_cost_gbp_m_per_year` "
           "nationally |\n")

# What the guide says a new mechanism touches, and nothing else.
ALLOWED = {"abm/strategy_config.py", "abm/mechanisms/__init__.py",
           "abm/mechanisms/regional_hubs.py", "configs/strategy/regional_hubs.yaml",
           "docs/ODD.md", "docs/parameters.md"}

CHECKS = f'''
import sys
import pandas as pd
from abm.config import shipped_strategies
from abm.experiments import space
from abm.mechanisms import FLOW_NAMES
from abm.workshop.levers import levers_for

out = sys.argv[1]
steps = pd.read_parquet(out + "/steps.parquet")
columns = list(steps.columns)
assert columns.index("hub_pilots_shared") == columns.index("mergers_blocked") + 1, columns
assert steps["hub_pilots_shared"].sum() > 0
assert "hub_pilots_shared" in FLOW_NAMES
sliders = [lever.path for lever in levers_for("{NAME}")]
assert "strategy.{NAME}.hub_cost_gbp_m_per_year" in sliders, sliders
assert "strategy.{NAME}.hub_cost_gbp_m_per_year" not in [
    lever.path for lever in levers_for("status_quo")]
hubs = [p.path for p in space.uncertainties(strategy="{NAME}")]
assert "strategy.{NAME}.staffed_share" in hubs
assert "strategy.{NAME}.staffed_share" not in [
    p.path for p in space.uncertainties(strategy="status_quo")]
assert "{NAME}" in shipped_strategies()

import numpy as np
from abm.config import ScenarioConfig
from abm.engine import Batch
from abm.runner import replication_seed
hubs = shipped_strategies()["{NAME}"]
seeds = [replication_seed(11, r) for r in range(3)]
together = Batch(ScenarioConfig(), hubs, seeds).run(36).recorded()["flows"]
for r, seed in enumerate(seeds):  # a replication's numbers do not depend on its batch
    alone = Batch(ScenarioConfig(), hubs, [seed]).run(36).recorded()["flows"]
    assert np.array_equal(alone[0], together[r]), r
batch = Batch(ScenarioConfig(), hubs, seeds[:1])
batch.month = batch.boards.merge_month  # merged boards act: a board's pilots are its own
hub = batch.mechanisms["{NAME}"]
hub.staffed[:] = True
board = next(members for members in batch.boards.boards if len(members) > 1)
per_icb = np.zeros((1, len(batch.data.icbs), len(batch.data.innovations)))
per_icb[0, board[0], 0] = 1.0
extra = hub.observed_pilots(batch.boards.pooled(per_icb), per_icb, per_icb.sum(axis=1))
assert np.all(extra[0, board, 0] == 0.0)  # counted once, as the board's own
region = batch.data.icbs.region
others = [k for k in range(len(region)) if region[k] == region[board[0]] and k not in board]
assert others and np.all(extra[0, others, 0] == 1.0)
print("checked")
'''


def _digests(tree: Path) -> dict[str, str]:
    return {str(p.relative_to(tree)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(tree.rglob("*")) if p.is_file() and _kept(p.relative_to(tree))}


def _kept(path: Path) -> bool:
    """A file of the package's source, not a cache, a run's output or a tool's state."""
    return path.parts[0] != "out" and not path.parts[0].startswith(".") and \
        "__pycache__" not in path.parts and path.parts[:2] not in (("abm", "configs"),
                                                                   ("abm", "docs"))


def _copy_package(tree: Path) -> None:
    """A clone's package, configs and docs; the copy imports its own configs and docs."""
    shutil.copytree(ROOT / "abm", tree / "abm")  # with Numba's cache: nothing to compile
    for folder in ("configs", "docs"):
        shutil.copytree(ROOT / folder, tree / folder)
        (tree / "abm" / folder).symlink_to(tree / folder, target_is_directory=True)
    shutil.copytree(ROOT / "tests", tree / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))


def _add_mechanism(tree: Path) -> None:
    """The guide's steps: settings, module, registry entry, YAML, docs."""
    settings = tree / "abm/strategy_config.py"
    text = settings.read_text()
    block = "\n\nclass StrategyConfig(Strict):"
    text = text.replace(block, SETTINGS + block)
    anchor = "    consolidation: ConsolidationConfig = ConsolidationConfig()\n"
    assert anchor in text
    settings.write_text(text.replace(
        anchor, anchor + "    regional_hubs: RegionalHubsConfig = RegionalHubsConfig()\n"))
    (tree / "abm/mechanisms/regional_hubs.py").write_text(MODULE)
    registry = tree / "abm/mechanisms/__init__.py"
    text = registry.read_text()
    entry = "MECHANISMS: tuple[type[Mechanism], ...] = ("
    assert entry in text
    text = text.replace("from .open_platform import OpenPlatform\n",
                        "from .open_platform import OpenPlatform\n"
                        "from .regional_hubs import RegionalHubs\n")
    start = text.index(entry)
    end = text.index(")", start + len(entry))
    registry.write_text(text[:end] + ", RegionalHubs" + text[end:])
    (tree / "configs/strategy/regional_hubs.yaml").write_text(YAML)
    odd = tree / "docs/ODD.md"
    text = odd.read_text()
    row = next(line for line in text.splitlines(keepends=True)
               if line.startswith("| consolidation (`strategy.consolidation`)"))
    odd.write_text(text.replace(row, row + ODD_ROW))


def _run(args: list[str], tree: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_a_new_mechanism_needs_only_its_own_files(tmp_path):
    tree = tmp_path / "clone"
    _copy_package(tree)
    before = _digests(tree)
    _add_mechanism(tree)
    parameters = _run(["-m", "abm.parameters"], tree).stdout
    (tree / "docs/parameters.md").write_text(parameters)
    assert "regional_hubs.staffed_share" in parameters
    changed = {path for path, digest in _digests(tree).items() if before.get(path) != digest}
    assert changed == ALLOWED

    run = _run(["-c", "from abm.cli import main; main()", f"strategy={NAME}",
                "replications=3", "months=36", "output_dir=out"], tree)
    assert NAME in run.stdout and "hub_pilots_shared" not in run.stderr
    assert (tree / "out/report.html").stat().st_size > 100_000
    assert "Regional hubs" in (tree / "out/report.html").read_text()
    assert _run(["-c", textwrap.dedent(CHECKS), "out"], tree).stdout.strip() == "checked"

    tests = ["tests/test_names.py", "tests/test_odd_in_step.py",
             "tests/test_parameter_table.py", "tests/test_mechanism_contract.py",
             "tests/test_workshop_levers.py"]
    ran = _run(["-m", "pytest", "-v", "-p", "no:cacheprovider", *tests], tree).stdout
    assert f"test_reversing_the_registry_changes_no_number[{NAME}] PASSED" in ran
    assert "FAILED" not in ran and "ERROR" not in ran
    assert {path for path, digest in _digests(tree).items()
            if before.get(path) != digest} == ALLOWED  # running it wrote nothing else


def test_the_guide_shows_the_example_this_test_adds():
    """docs/extending.md's worked example is this test's, line for line (docstrings aside)."""
    guide = {line.strip() for line in (ROOT / "docs/extending.md").read_text().splitlines()}
    code = SETTINGS + MODULE[MODULE.index("class RegionalHubs"):]
    shown = [line.strip() for line in code.splitlines()
             if line.strip() and not line.strip().startswith('"""')]
    assert [line for line in shown if line not in guide] == []
