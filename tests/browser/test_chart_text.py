"""Names and titles in the dashboard's chart tooltips show as text: a title `<a href=x>bad</a>` is never a link."""

from __future__ import annotations

from jobmatch.extensions import db
from tests.browser.conftest import log_in
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401

TITLE = "<a href=x>bad</a>"
VILLAGE = '<img src=x alt="村">城东村'
TOWNSHIP = "<b>岑阳镇</b>"

# Every point of every series of every chart: ECharts shows its tooltip; report what the tooltip holds.
SHOW_EVERY_TOOLTIP = """() => {
  const found = [];
  for (const box of document.querySelectorAll('[data-chart]')) {
    const chart = echarts.getInstanceByDom(box);
    chart.getOption().series.forEach((series, seriesIndex) => {
      const points = (series.data || []).length;
      for (let dataIndex = 0; dataIndex < points; dataIndex++) {
        chart.dispatchAction({type: 'showTip', seriesIndex, dataIndex});
        for (const tip of box.querySelectorAll('div')) {
          if (tip.style.position !== 'absolute' || !tip.textContent) continue;
          found.push({
            chart: box.dataset.chart,
            text: tip.textContent,
            elements: [...tip.querySelectorAll('a, img, b')].map(e => e.outerHTML),
          });
        }
        chart.dispatchAction({type: 'hideTip'});
      }
    });
  }
  return found;
}"""


def test_titles_and_place_names_in_chart_tooltips_show_as_text(page, county):
    county["village"].name = VILLAGE
    county["township"].name = TOWNSHIP
    db.session.commit()
    make_opening(title=TITLE, headcount=2)
    log_in(page, "bureau")
    page.goto("/dashboard")
    page.wait_for_selector(".chart-canvas.ready canvas")
    tips = page.evaluate(SHOW_EVERY_TOOLTIP)
    shown = "\n".join(t["text"] for t in tips)
    assert TITLE in shown  # the opening on the map, as typed
    assert "城东村" in shown and VILLAGE in shown  # the village on the map
    assert TOWNSHIP in shown  # the township's bars
    assert [t for t in tips if t["elements"]] == []
    assert page.locator("[data-chart] a[href=x], [data-chart] img[src=x]").count() == 0


def test_no_script_writes_html_and_the_map_tooltip_escapes_what_it_adds():
    """Read without a browser: pages' scripts put user data into the page as text only."""
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[2] / "static" / "js"
    for script in scripts.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in source, (script.name, sink)
    dashboard = (scripts / "dashboard.js").read_text(encoding="utf-8")
    assert "echarts.format.encodeHTML" in dashboard
    assert 'text(p.seriesName) + "<br>" + text(d[2])' in dashboard
