#!/usr/bin/env bash
# Command one: install, migrate, load the demo county into an empty database, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements.txt
. scripts/debs.sh
ensure_debs fonts-wqy-microhei

export FLASK_APP=wsgi
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
WORKERS="${WEB_CONCURRENCY:-2}"

echo "==> migrating the database (${DATABASE_URL:-SQLite under instance/})"
.venv/bin/flask db upgrade 2>&1 | grep -v "^INFO" || true
echo "==> demo county"
.venv/bin/flask demo load --if-empty
echo "==> ranker"
.venv/bin/flask ranker train --promote --if-none 2>/dev/null || echo "  (no outcomes to learn from yet: the prior ranker serves)"
logins=$(.venv/bin/flask demo users 2>/dev/null || echo "  (no demo county here: make an account with 'flask users create-admin NAME')")
token=$(.venv/bin/flask users create-token demo-bureau --role bureau --label demo --replace)

cat <<MSG

  jobmatch 就业帮扶匹配服务 is starting.
  Open / 打开:     http://${HOST}:${PORT}/login
  API docs / 文档: http://${HOST}:${PORT}/api/v1/docs
  Demo logins (new passwords each start) / 演示账号（每次启动重新生成密码）:
${logins}
  Demo API token (county bureau) / 演示访问令牌（县人社局）:
      ${token}
  Try / 试一试:
      curl -H "Authorization: Bearer ${token}" "http://${HOST}:${PORT}/api/v1/laborers?per_page=5"

  Stop with Ctrl-C.
MSG

# The access log carries the path only: query strings can hold names or ID numbers.
exec .venv/bin/gunicorn wsgi:app \
  --bind "${HOST}:${PORT}" --workers "${WORKERS}" \
  --access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
