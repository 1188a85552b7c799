"""The browser fixture leaves nothing running behind it: a test after a browser module may
run its own asyncio loop, whichever worker and order the suite gives them."""

from __future__ import annotations

import pytest


def test_an_asyncio_test_after_a_browser_module_still_runs(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.browser.conftest import browser  # noqa: F401")
    pytester.makepyfile(
        test_a_page=("def test_opens(browser) -> None:\n    assert browser.is_connected()\n"),
        test_b_loop=(
            "import asyncio\n"
            "def test_runs_a_loop() -> None:\n"
            "    assert asyncio.run(asyncio.sleep(0, 'ran')) == 'ran'\n"
        ),
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
