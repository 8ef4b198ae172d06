"""Install the classic add-in where Excel opens it at every start (its XLSTART folder).

Excel opens every file in the user's startup folder when it starts, add-ins included:

- Windows: ``%APPDATA%\\Microsoft\\Excel\\XLSTART``
- macOS: ``~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/
  Startup.localized/Excel`` (Excel's sandbox can read it without asking)

Other systems have no desktop Excel: there the caller must say where the file goes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from addin.delivery import DeliveryError
from addin.delivery.xlam import XLAM_NAME, AddinConfig, build_xlam

MAC_STARTUP = ("Library/Group Containers/UBF8T346G9.Office/User Content.localized/"
               "Startup.localized/Excel")


def startup_dir(platform: str = sys.platform, env: Mapping[str, str] = os.environ,
                home: Path | None = None) -> Path | None:
    """Excel's per-user startup folder on this system, or None where there is no Excel."""
    if platform.startswith("win"):
        appdata = env.get("APPDATA")
        if not appdata:
            raise DeliveryError("APPDATA is not set, so Excel's XLSTART folder is unknown; "
                                "give --dir")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return (home or Path.home()) / MAC_STARTUP
    return None


def install_xlam(target_dir: Path, config: AddinConfig, source: Path | None = None) -> Path:
    """``infusion_scrubber_excel.xlam`` in ``target_dir``, configured with ``config``: built
    from xlwings' template, or ``source`` (an add-in built earlier) with its config refilled.

    The name is fixed whatever ``source`` is called: the ribbon imports the module named
    after the file.
    """
    dest = target_dir / XLAM_NAME
    try:
        return build_xlam(dest, config, source)
    except PermissionError:
        raise DeliveryError(f"cannot replace {dest}: close Excel (it holds the add-in open) "
                            f"and run the install again") from None
    except OSError as exc:
        raise DeliveryError(f"cannot write {dest}: {exc.strerror or exc}") from None


def next_steps(installed: Path, platform: str = sys.platform) -> list[str]:
    """What the user still does by hand, one line each."""
    steps = [f"installed {installed}",
             "restart Excel: the Infusion tab's Scrub button scrubs the active sheet"]
    if platform.startswith("win"):
        steps.append("cell functions (once): in Excel press Alt+F11, open the add-in's "
                     "'xlwings' module, click into Sub ImportPythonUDFsToAddin, press F5, then "
                     "save the add-in (Ctrl+S in the VBA editor); needs File > Options > Trust "
                     "Center > Macro Settings > Trust access to the VBA project object model")
    elif platform == "darwin":
        steps.append("once: run `xlwings runpython install` so that Excel may start Python "
                     "(the cell functions are Windows-only in the classic add-in)")
    return steps
