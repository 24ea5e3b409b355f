#!/usr/bin/env bash
# Runs a built image the way the ECS task runs it and checks that it serves: a read-only root filesystem,
# a volume at /tmp, no Linux capabilities, an init process, the image's own user, and a port published on
# 127.0.0.1 only. Checked: /health, /ready and /version (this commit), the image's own HEALTHCHECK, that the
# app can write to /tmp and not to its code, and that SIGTERM stops it with exit status 0.
#
#   scripts/smoke-image.sh IMAGE GIT_SHA
#
# ENGINE is the container engine's command (default: docker); SMOKE_RUN_OPTIONS adds options to its run
# (for example --ulimit values); SMOKE_PORT is the port on 127.0.0.1 (default 18080). The pull request
# pipeline runs it on the image it builds; the template's tests run it with podman.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 IMAGE GIT_SHA" >&2
  exit 64
fi
image=$1 git_sha=$2
read -r -a engine <<< "${ENGINE:-docker}"
read -r -a extra <<< "${SMOKE_RUN_OPTIONS:-}"
port=${SMOKE_PORT:-18080}
url=http://127.0.0.1:$port
name=smoke-$$-$RANDOM
volume=$name-tmp
# The stop timeout the task definition gives the container (terraform/locals.tf: request timeout + 10 s).
stop_timeout=${SMOKE_STOP_TIMEOUT:-35}

cleanup() {
  "${engine[@]}" rm --force --volumes "$name" >/dev/null 2>&1 || true
  "${engine[@]}" volume rm --force "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# One field of the container's state, read from the engine's JSON (no Go template: both engines print the same).
state() {
  "${engine[@]}" inspect "$name" | python3 -c "import json, sys; print(json.load(sys.stdin)[0]['State']$1)"
}

fail() {
  printf '::error title=Image smoke test::%s\n' "$1" >&2
  echo "--- the container's log ---" >&2
  "${engine[@]}" logs "$name" >&2 || true
  exit 1
}

echo "Starting $image as the task runs it, on $url"
"${engine[@]}" run --detach --name "$name" --read-only --init --volume "$volume:/tmp" --cap-drop ALL \
  --security-opt no-new-privileges --publish "127.0.0.1:$port:{{ cookiecutter.container_port }}" \
  --env APP_ENVIRONMENT=production --env "APP_IMAGE_TAG=$git_sha" --env APP_DOCS_ENABLED=false \
  "${extra[@]}" "$image" >/dev/null

# At most 30 s to the first answer: the task's health check allows a 15 s start period.
for _ in $(seq 1 150); do
  if curl --silent --fail --max-time 1 "$url/health" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
health=$(curl --silent --fail --max-time 5 "$url/health") || fail "/health did not answer 200 within 30 s."
[ "$health" = '{"status":"ok"}' ] || fail "/health answered $health"
curl --silent --fail --max-time 5 "$url/ready" >/dev/null || fail "/ready did not answer 200."
version=$(curl --silent --fail --max-time 5 "$url/version") || fail "/version did not answer 200."
case $version in
  *"\"git_sha\":\"$git_sha\""*) ;;
  *) fail "/version reports $version, not the commit $git_sha the image was built from." ;;
esac
echo "/health, /ready and /version answer; /version names $git_sha"

# The image's own HEALTHCHECK: docker runs it on its schedule; podman runs it when asked.
if [[ " ${engine[*]} " == *" podman "* || " ${engine[*]} " == *"/podman "* ]]; then
  "${engine[@]}" healthcheck run "$name" >/dev/null || fail "the image's HEALTHCHECK fails."
else
  status=starting
  for _ in $(seq 1 60); do
    status=$(state "['Health']['Status']")
    [ "$status" = starting ] || break
    sleep 1
  done
  [ "$status" = healthy ] || fail "the image's HEALTHCHECK reports $status."
fi
echo "the image's HEALTHCHECK passes"

"${engine[@]}" exec "$name" python -c 'import tempfile; tempfile.TemporaryFile(dir="/tmp").write(b"x")' \
  || fail "the app cannot write to /tmp."
if "${engine[@]}" exec "$name" python -c 'open("/srv/app/written-by-the-app", "w")' 2>/dev/null; then
  fail "the app can write to its own code: the root filesystem is not read-only."
fi
echo "the app writes to /tmp and not to its code"

"${engine[@]}" stop --time "$stop_timeout" "$name" >/dev/null
exit_code=$(state "['ExitCode']")
[ "$exit_code" = 0 ] || fail "SIGTERM stopped the app with exit status $exit_code, not 0."
echo "SIGTERM stops it with exit status 0: $image passes"
