"""The two devices the journeys are proven on (issue 15): a phone in Chinese, a desktop in English."""

from typing import Any

import pytest

PHONE_ZH: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "locale": "zh-CN",
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP_EN: dict[str, Any] = {
    "viewport": {"width": 1280, "height": 800},
    "locale": "en-US",
    "is_mobile": False,
    "has_touch": False,
}
DEVICES = [PHONE_ZH, DESKTOP_EN]
DEVICE_IDS = ["phone-zh", "desktop-en"]


def new_context(browser: Any, device: dict[str, Any], wait_ms: int) -> Any:
    context = browser.new_context(**device, timezone_id="Asia/Shanghai")
    context.set_default_timeout(wait_ms)
    context.set_default_navigation_timeout(wait_ms)
    return context


def each_device(zh: dict[str, Any], en: dict[str, Any]) -> Any:
    """Run a test on the phone with the Chinese texts `zh` and on the desktop with the English
    `en`: its arguments `device` and `text`."""
    return pytest.mark.parametrize(
        ("device", "text"), [(PHONE_ZH, zh), (DESKTOP_EN, en)], ids=DEVICE_IDS
    )
