"""One function per command, below the CLI: each module is named after its command
(merge, mail, history, issues, template, check, report, tasks for extend/close, workspace for init
and finding a workspace). The CLI parses, calls one of these, and renders what it returns."""
