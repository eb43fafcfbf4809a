#!/usr/bin/env bash
# `make run`: the web server and the task worker on the embedded default (SQLite), until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8000}"
BIN=.venv/bin
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$BIN/gongzhi db_worker --interval 1 >> worker.log 2>&1 & pids+=($!)
$BIN/gongzhi scheduler >> worker.log 2>&1 & pids+=($!)

password="${GONGZHI_DEMO_PASSWORD:-gongzhi-demo}"
cat <<MSG

  共治 gongzhi 已启动： http://127.0.0.1:${PORT}/
  管理后台：           http://127.0.0.1:${PORT}/admin/
  API 文档：           http://127.0.0.1:${PORT}/api/docs/

  演示账号（密码均为 ${password}）：
    admin        管理员          resident1    居民（也可用手机号 13800000001 验证码登录）
    operator1    话务员          dispatcher1  派单员
    handler1     承办人          supervisor1  督办员
    gridworker1  网格员          leader1      领导
  开发环境的短信验证码写在控制台与「通知」表中。任务进程日志：worker.log

MSG
$BIN/gongzhi runserver "127.0.0.1:${PORT}" --noreload & pids+=($!)
wait "${pids[-1]}"
