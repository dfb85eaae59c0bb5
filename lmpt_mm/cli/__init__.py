"""Support code for the command-line tools in ``tools/``.

Layering: ``tools -> lmpt_mm.cli -> engine / evaluation / datasets / models -> utils``.
Nothing in ``models``, ``datasets``, ``evaluation`` or ``engine`` imports this package;
importing it does not register anything (``import lmpt_mm`` does).
"""
