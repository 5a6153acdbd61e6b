#!/bin/sh
# 检查台账：双击（在终端中运行）或在终端里执行 sh 检查台账.sh
here=$(cd "$(dirname "$0")" && pwd) || exit 2
cd "$here" || exit 2
toolkit_py=''
pause() {
  if [ -t 0 ] && [ -z "$TOOLKIT_NO_PAUSE" ]; then
    printf '%s' '按回车键关闭窗口……'
    read -r _ || true
  fi
}
open_folder() {
  if [ -d "$1" ] && [ -z "$TOOLKIT_NO_OPEN" ] && command -v xdg-open >/dev/null 2>&1; then
    xdg-open "$1" >/dev/null 2>&1 &
  fi
}
run_toolkit() {
  for py in "$toolkit_py" "$here/.venv/bin/python" "${TOOLKIT_HOME:-$HOME/.local/share/toolkit/venv}/bin/python"; do
    if [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import toolkit' >/dev/null 2>&1; then
      "$py" -m toolkit "$@"
      return $?
    fi
  done
  if command -v toolkit >/dev/null 2>&1; then
    toolkit "$@"
    return $?
  fi
  echo '没有找到已安装的整改台账工具（toolkit）。请先运行离线安装包中的 install，或按 README 安装后再试。' >&2
  return 2
}
if [ $# -eq 0 ]; then
  echo '请把要检查的台账文件拖到“检查台账”图标上，或执行：sh 检查台账.sh 文件……' >&2
  pause
  exit 2
fi
run_toolkit check -w "$here" "$@"
rc=$?
open_folder "$here/outbox/反馈"
pause
exit $rc
