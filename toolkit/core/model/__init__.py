"""The data everything passes around (data classes only), one module per stage of a merge:
model.issue_list holds the tasks, the units and the issue list they come from (issues.xlsx);
model.imported what `toolkit issues import` understood of an upper office's table; model.ledger a
returned file and its rows as read from the inbox; model.merge_result each unit's entry on a task,
the lines of 台账明细, the unit summaries and the result of a merge."""
