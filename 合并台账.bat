@echo off
setlocal
cd /d "%~dp0"
set "TOOLKIT_PY="
if defined TOOLKIT_PY if exist "%TOOLKIT_PY%" goto found
set "TOOLKIT_PY=%~dp0.venv\Scripts\python.exe"
if exist "%TOOLKIT_PY%" goto found
set "TOOLKIT_BASE=%LOCALAPPDATA%\toolkit\venv"
if defined TOOLKIT_HOME set "TOOLKIT_BASE=%TOOLKIT_HOME%"
set "TOOLKIT_PY=%TOOLKIT_BASE%\Scripts\python.exe"
if exist "%TOOLKIT_PY%" goto found
set "TOOLKIT_PY="
where toolkit >nul 2>nul
if not errorlevel 1 goto found
echo 没有找到已安装的整改台账工具（toolkit）。请先运行离线安装包中的 install，或按 README 安装后再试。
pause
exit /b 2
:found
echo 正在合并 inbox 中各单位报回的台账……
if defined TOOLKIT_PY ("%TOOLKIT_PY%" -m toolkit merge -w "%~dp0.") else (toolkit merge -w "%~dp0.")
set "RC=%ERRORLEVEL%"
if exist "%~dp0outbox" start "" "%~dp0outbox"
echo.
pause
exit /b %RC%
