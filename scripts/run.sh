#!/usr/bin/env bash
# `make run`: the platform on the embedded default (SQLite) with the demo, until Ctrl-C.
#
# It serves as soon as the accounts exist (seconds after the migrations) and loads the demo's history in the
# background, while every page shows how far it has come; the scheduler (deadline sweeps, sync) starts when the
# history is in, so that it never acts on a half-replayed past. What the console shows is for people, in Chinese;
# the diagnostics go to gongzhi.log (`GONGZHI_CONSOLE_LOG_LEVEL=INFO make run` shows them here too).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8000}"
BIN=.venv/bin
export GONGZHI_DEBUG="${GONGZHI_DEBUG:-1}"  # development mode (the settings default to production)
LOG=gongzhi.log
URL="http://127.0.0.1:${PORT}/"
began=$SECONDS

cleanup() {
  trap - EXIT INT TERM
  pkill -P $$ 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

say() { printf '%s\n' "$*"; }

say "共治：正在准备数据库（首次约半分钟）…"
# Migrations, the cache table and the demo's county, units and accounts, in one Python process.
$BIN/gongzhi load_demo --migrate --structure-only -v 0 2>>"$LOG" || { say "数据库准备失败，详见 $LOG"; tail -n 20 "$LOG"; exit 1; }

# The task worker delivers notices (and the login codes: the development SMS gateway prints them here).
$BIN/gongzhi db_worker --interval 1 -v 0 2>&1 | tee -a "$LOG" | grep --line-buffered "【短信" &
$BIN/gongzhi runserver "127.0.0.1:${PORT}" --noreload >>"$LOG" 2>&1 &
server=$!
# The demo's history, in the background of the running site (a second run finds it and skips it); its lines are
# held back until the banner is out.
demo_out=$(mktemp)
( $BIN/gongzhi load_demo --no-accounts >"$demo_out" 2>>"$LOG"; echo "$?" >"$demo_out.rc" ) &

for _ in $(seq 120); do
  if $BIN/python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$URL" 2>/dev/null; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { say "网页服务未能启动，详见 $LOG"; tail -n 20 "$LOG"; exit 1; }
  sleep 0.5
done

cat <<MSG

  共治 gongzhi 已启动（用时 $((SECONDS - began)) 秒）： ${URL}
  管理后台： ${URL}admin/        API 文档： ${URL}api/docs/

MSG
$BIN/gongzhi demo_accounts
cat <<MSG

  居民和企业联系人在「居民登录」用手机号登录：本地不发真短信，验证码会显示在本窗口。
  日志：${LOG}     停止：Ctrl-C

MSG

tail -n +1 -f "$demo_out" --pid=$$ &
while [ ! -s "$demo_out.rc" ]; do sleep 0.5; done
sleep 0.5  # the last lines reach the console
if [ "$(cat "$demo_out.rc")" = 0 ]; then
  say "  演示数据已全部就绪（用时 $((SECONDS - began)) 秒）。"
else
  say "  演示数据加载出错，详见上方信息和 $LOG；网站照常运行。"
fi
rm -f "$demo_out" "$demo_out.rc"
$BIN/gongzhi scheduler >>"$LOG" 2>&1 &
wait "$server"
