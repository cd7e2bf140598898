"""Draw the Teams card that hooks/teams_alerts.py sends, as docs/alerts-card.png.

A documentation helper, not part of the tool or the tests. It renders the
module's own Adaptive Card (built by ``adaptive_card`` from fixed example
facts) with Microsoft's Adaptive Cards JavaScript renderer in headless
Chromium, so the picture in docs/alerts.md is what the module sends, not a
mock-up. Teams draws cards with its own theme, so colours and fonts differ a
little in the channel.

Needs Chromium and the npm package ``adaptivecards`` (v3):
    apt-get install chromium && npm install --prefix /tmp/card adaptivecards@3
    .venv/bin/python docs/render_card.py /tmp/card/node_modules/adaptivecards/dist
"""

from __future__ import annotations

import html
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = {
    "event": "failure",
    "dag_id": "sales_daily",
    "task_id": "main",
    "run_id": "scheduled__2026-03-02T06:00:00+00:00",
    "logical_date": "2026-03-02T06:00:00+00:00",
    "try_number": 2,
    "log_url": "https://airflow.example.com/dags/sales_daily/runs/scheduled__2026-03-02T06%3A00%3A00%2B00%3A00/tasks/main?try_number=2",
    "exception": "AirflowException: Pod sales-daily-main-x7k2p9q1 returned a failure.",
}

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>body{{margin:0;padding:16px;background:#f5f5f5;font-family:'Segoe UI',Arial,sans-serif}}
#card{{width:560px;background:#fff;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.2);padding:4px}}</style>
<script src="{dist}/adaptivecards.min.js"></script></head><body><div id="card"></div>
<script>
const card = new AdaptiveCards.AdaptiveCard();
card.parse(JSON.parse({payload}));
document.getElementById("card").appendChild(card.render());
</script></body></html>"""


def main() -> None:
    dist = Path(sys.argv[1]).resolve()
    spec = importlib.util.spec_from_file_location("teams_alerts_doc", REPO / "hooks" / "teams_alerts.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    card = module.adaptive_card(module.AlertFacts(**EXAMPLE))
    page = Path(tempfile.mkdtemp()) / "card.html"
    page.write_text(PAGE.format(dist=dist.as_uri(), payload=html.escape(json.dumps(json.dumps(card)), quote=False)))
    out = REPO / "docs" / "alerts-card.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars", "--allow-file-access-from-files",
         "--window-size=600,330", f"--screenshot={out}", page.as_uri()],
        check=True, capture_output=True,
    )  # fmt: skip
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
