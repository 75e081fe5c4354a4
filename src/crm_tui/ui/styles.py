"""Where the TCSS files are: inside the installed package, or the checkout's styles/."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def styles_dir() -> Path:
    """`crm_tui/styles` in a wheel (hatch force-include), else `<repo>/styles`."""
    installed = _PACKAGE / "styles"
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent.parent / "styles"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("crm-tui styles are missing; reinstall the package.")


def stylesheet(name: str) -> Path:
    return styles_dir() / name
