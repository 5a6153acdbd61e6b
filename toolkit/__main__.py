"""`python -m toolkit` and the `toolkit` command: a light entry that loads the CLI, so a Ctrl-C while
it loads is one line too, not a traceback."""

import sys


def main() -> None:
    try:
        from toolkit.cli import run
    except KeyboardInterrupt:  # nothing was read or written yet
        command = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
        line = (
            "已中断，未生成汇总台账" if command in ("merge", "mail") else "已中断，没有改动任何文件"
        )
        encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
        sys.stderr.write(line.encode(encoding, "replace").decode(encoding) + "\n")
        exec(
            "None"
        )  # clears CPython's "KeyboardInterrupt unhandled" mark (see toolkit.cli.forget_interrupt)
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
