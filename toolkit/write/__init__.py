"""Everything toolkit writes: the consolidated workbook, the template and unit ledgers, feedback
copies, the report to the upper level, issues.xlsx and its edits, launchers; published atomically."""
