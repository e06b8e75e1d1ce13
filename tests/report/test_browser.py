"""Open report.html in a real browser (headless Chromium): it renders, every section and
plot is visible, nothing is logged to the console, and a reply with <script> is text."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings

import pytest

from cuecoder.report import build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--allow-file-access-from-files",  # the probe page reads the report in its iframe
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=10000",
]
# The probe page loads the report in an iframe (the report itself runs no script: its CSP
# forbids it) and writes what it sees into the DOM, which --dump-dom prints.
PROBE = """<!doctype html><meta charset="utf-8"><body>
<iframe id="r" src="REPORT" style="width:1200px;height:900px"></iframe>
<script>
window.addEventListener("load", () => {
  const d = document.getElementById("r").contentDocument;
  const w = document.getElementById("r").contentWindow;
  const seen = (el) => {
    const r = el.getBoundingClientRect(), s = w.getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.display !== "none" && s.visibility !== "hidden";
  };
  const out = {
    access: !!d,
    sections: d ? [...d.querySelectorAll("section")].map(s => [s.id, seen(s)]) : [],
    plots: d ? [...d.querySelectorAll("figure svg")]
      .map(s => [s.closest("figure").id, seen(s)]) : [],
    scripts: d ? d.querySelectorAll("script").length : -1,
    replies: d ? [...d.querySelectorAll(".reply")].map(e => {
      const c = e.cloneNode(true);  // the text as read, without the sub-code tags
      c.querySelectorAll("sup").forEach(x => x.remove());
      return c.textContent;
    }) : [],
  };
  const p = document.createElement("pre");
  p.id = "probe";
  p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
});
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_in_headless_chromium(scored, accounts, hostile, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = build(scored, accounts=accounts, n_boot=200, min_replies=1)
    page = report.write(tmp_path / "report.html")
    probe = tmp_path / "probe.html"
    probe.write_text(PROBE.replace("REPORT", page.as_uri()), encoding="utf-8")
    profile = tmp_path / "profile"
    run = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    start = dom.index('<pre id="probe">') + len('<pre id="probe">')
    raw = dom[start : dom.index("</pre>", start)]
    import html as _html

    seen = json.loads(_html.unescape(raw))
    assert seen["access"]
    assert dict(seen["sections"]) == {
        s: True
        for s in (
            "overview",
            "prevalence",
            "accounts",
            "tiers",
            "templates",
            "examples",
            "validity",
        )
    }
    assert dict(seen["plots"]) == {
        "fig-prevalence": True,
        "fig-distribution": True,
        "fig-tiers": True,
        "fig-validity": True,
    }
    assert seen["scripts"] == 0
    assert any(hostile in text for text in seen["replies"])  # the <script> reply is text
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
