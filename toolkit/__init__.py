"""整改台账 toolkit: merge returned rectification ledgers into one checked workbook."""

__version__ = "0.1.0"
