#!/usr/bin/env bash
# Checks an environment over HTTP after its release, before the next environment may start: its URL answers
# /health with 200, and /version reports the released commit (the image's git_sha and the task's image_tag)
# and this environment.
#
#   scripts/check-service.sh URL COMMIT ENVIRONMENT
#
# A new load balancer's name takes a while to resolve, so it tries again: CHECK_ATTEMPTS times (default 30),
# CHECK_INTERVAL seconds apart (default 10), each request cut off after 10 s. Exit 0: the service answers as
# released; 1: it did not, with an ::error annotation saying what it answered last and where to look.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 URL COMMIT ENVIRONMENT" >&2
  exit 64
fi
url=${1%/} commit=$2 environment=$3
attempts=${CHECK_ATTEMPTS:-30} interval=${CHECK_INTERVAL:-10}
[[ $attempts =~ ^[1-9][0-9]{0,2}$ && $interval =~ ^[0-9]{1,3}$ ]] || {
  echo "check-service: CHECK_ATTEMPTS must be 1 to 999 and CHECK_INTERVAL 0 to 999 seconds" >&2
  exit 64
}
[[ $commit =~ ^[0-9a-f]{40}$ ]] || {
  echo "check-service: COMMIT must be a full git SHA, got '$commit'" >&2
  exit 64
}

get() { curl --silent --show-error --fail --max-time 10 "$url$1" 2>&1; }

seen="nothing"
for ((attempt = 1; attempt <= attempts; attempt++)); do
  if ! answer=$(get /health); then
    seen="/health: ${answer//$'\n'/ }"
  elif ! answer=$(get /version); then
    seen="/version: ${answer//$'\n'/ }"
  elif jq -e --arg commit "$commit" --arg environment "$environment" \
    '.git_sha == $commit and .image_tag == $commit and .environment == $environment' <<<"$answer" >/dev/null 2>&1; then
    echo "check-service: $url answers /health, and /version reports $commit in $environment (attempt $attempt of $attempts)"
    exit 0
  else
    seen="/version answered ${answer:0:300}"
  fi
  echo "check-service: attempt $attempt of $attempts: $seen" >&2
  if [ "$attempt" -lt "$attempts" ]; then sleep "$interval"; fi
done
echo "::error title=$environment does not answer as released::After $attempts attempts $url did not answer /health and report $commit in $environment on /version; last: $seen. The next environment was not released. Look at the service's events, its target group's health and its logs (docs/runbook.md)." >&2
exit 1
