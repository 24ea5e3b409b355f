#!/usr/bin/env bash
# Runs a built image with the container settings of the ECS task and checks that it serves: a read-only root
# filesystem, a volume at /tmp, no Linux capabilities, an init process, the image's own user, production's
# environment name and a port published on 127.0.0.1 only. Checked: the image is built for the CPU
# architecture TFVARS gives the tasks; /health, /ready and /version (this commit); the image's own
# HEALTHCHECK; the app can write to /tmp and its code is on a read-only filesystem; SIGTERM stops it with
# exit status 0 within the task's stop timeout.
#
#   scripts/smoke-image.sh IMAGE GIT_SHA [TFVARS]
#
# ENGINE is the container engine's command (default: docker); SMOKE_RUN_OPTIONS adds options to its run
# (for example --ulimit values); SMOKE_PORT is the port on 127.0.0.1 (default 18080). The pull request
# pipeline runs it on the image it builds; the template's tests run it with podman.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 IMAGE GIT_SHA [TFVARS]" >&2
  exit 64
fi
image=$1 git_sha=$2 tfvars=${3:-terraform/prod.tfvars}
read -r -a engine <<< "${ENGINE:-docker}"
read -r -a extra <<< "${SMOKE_RUN_OPTIONS:-}"
port=${SMOKE_PORT:-18080}
url=http://127.0.0.1:$port
name=smoke-$$-$RANDOM
volume=$name-tmp
# The stop timeout the task definition gives the container by default (terraform/locals.tf: the request
# timeout, 25 s, plus 10 s).
stop_timeout=${SMOKE_STOP_TIMEOUT:-35}

cleanup() {
  "${engine[@]}" rm --force --volumes "$name" >/dev/null 2>&1 || true
  "${engine[@]}" volume rm --force "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# A field of the engine's JSON for an image or container, "none" where it has none (no Go template, which
# both engines read alike but which the template's own rendering would take for its own).
field() {  # field OBJECT PYTHON-EXPRESSION-OVER-d
  "${engine[@]}" inspect "$1" | python3 -c "import json, sys
d = json.load(sys.stdin)[0]
try:
    print($2)
except (KeyError, TypeError):
    print('none')"
}

fail() {
  printf '::error title=Image smoke test::%s\n' "$1" >&2
  echo "--- the container's log ---" >&2
  "${engine[@]}" logs "$name" >&2 || true
  exit 1
}

declared=$(sed -n 's/^cpu_architecture *= *"\([A-Z0-9_]*\)".*/\1/p' "$tfvars")
case $declared in
  X86_64) wanted=amd64 ;;
  ARM64) wanted=arm64 ;;
  *) fail "$tfvars must set cpu_architecture to \"X86_64\" or \"ARM64\"; it sets '${declared}'." ;;
esac
built_for=$(field "$image" "d['Architecture']")
[ "$built_for" = "$wanted" ] || fail "$image is built for $built_for, but $tfvars runs the tasks on $declared: \
set the image job's runs-on to ubuntu-24.04-arm for ARM64 or ubuntu-24.04 for X86_64 (.github/workflows/ci-cd.yml), \
or set cpu_architecture back."

echo "Starting $image ($built_for) with the task's container settings, on $url"
"${engine[@]}" run --detach --name "$name" --read-only --init --volume "$volume:/tmp" --cap-drop ALL \
  --security-opt no-new-privileges --publish "127.0.0.1:$port:{{ cookiecutter.container_port }}" \
  --env APP_ENVIRONMENT=production --env "APP_IMAGE_TAG=$git_sha" --env APP_DOCS_ENABLED=false \
  ${extra[@]+"${extra[@]}"} "$image" >/dev/null

# At most 30 s to the first answer: the task's health check allows a 15 s start period.
deadline=$((SECONDS + 30))
until curl --silent --fail --max-time 1 "$url/health" >/dev/null 2>&1 || [ "$SECONDS" -ge "$deadline" ]; do
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
    status=$(field "$name" "d['State']['Health']['Status']")
    [ "$status" = starting ] || break
    sleep 1
  done
  [ "$status" = healthy ] || fail "the image's HEALTHCHECK reports $status (none: the image has no HEALTHCHECK)."
fi
echo "the image's HEALTHCHECK passes"

"${engine[@]}" exec "$name" python -c 'import tempfile; tempfile.TemporaryFile(dir="/tmp").write(b"x")' \
  || fail "the app cannot write to /tmp."
# The code is not the app user's to write anyway; EROFS, not EACCES, shows the filesystem is read-only.
"${engine[@]}" exec "$name" python -c 'import errno, sys
try:
    open("/srv/app/written-by-the-app", "w")
except OSError as error:
    sys.exit(0 if error.errno == errno.EROFS else 1)
sys.exit(1)' || fail "the app's code is not on a read-only filesystem."
echo "the app writes to /tmp; its code is on a read-only filesystem"

"${engine[@]}" stop -t "$stop_timeout" "$name" >/dev/null
exit_code=$(field "$name" "d['State']['ExitCode']")
[ "$exit_code" = 0 ] || fail "SIGTERM stopped the app with exit status $exit_code, not 0."
echo "SIGTERM stops it with exit status 0: $image passes"
