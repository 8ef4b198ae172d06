"""infusion-scrubber for the classic xlwings add-in (``infusion_scrubber_excel.xlam``).

The add-in's ribbon button imports the module named after the ``.xlam`` and calls its
``main()``: this module is that name, and ``main()`` scrubs the workbook Excel called from.
"""

from addin.scripts import main

__all__ = ["main"]
