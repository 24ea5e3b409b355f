#!/usr/bin/env bash
# Builds the image for one commit, for the CPU architecture the stack runs its tasks on, and pushes it,
# unless the registry already has that tag.
#
#   scripts/build-and-push.sh REGISTRY/REPOSITORY:TAG GIT_SHA [TFVARS]
#
# The architecture is cpu_architecture in TFVARS (terraform/prod.tfvars), the value the apply uses. The
# image is built natively, so the job must run on a machine of that architecture: an X86_64 image on ARM64
# tasks (or the reverse) would never start. A mismatch stops the release before anything is pushed.
# Tags are immutable in ECR: a re-run of a deploy for the same commit reuses the pushed image.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 IMAGE GIT_SHA [TFVARS]" >&2
  exit 64
fi
image=$1 git_sha=$2 tfvars=${3:-terraform/prod.tfvars}

error() {
  printf '::error title=%s::%s\n' "$1" "$2" >&2
  exit 1
}

declared=$(sed -n 's/^cpu_architecture *= *"\([A-Z0-9_]*\)".*/\1/p' "$tfvars")
case $declared in
  X86_64) platform=linux/amd64 wanted=x86_64 runner=ubuntu-24.04 ;;
  ARM64) platform=linux/arm64 wanted=aarch64 runner=ubuntu-24.04-arm ;;
  *) error "Unknown architecture" "$tfvars must set cpu_architecture to \"X86_64\" or \"ARM64\"; it sets '${declared}'." ;;
esac
machine=$(uname -m)
[ "$machine" = arm64 ] && machine=aarch64
if [ "$machine" != "$wanted" ]; then
  error "Wrong build architecture" "$tfvars declares cpu_architecture = $declared, but this job runs on $machine: the image would not start on the tasks. Set the release and image jobs' runs-on in .github/workflows/ci-cd.yml to $runner (docs/cost.md), or set cpu_architecture back. Nothing was built or pushed."
fi

if docker manifest inspect "$image" >/dev/null 2>&1; then
  echo "$image is already in the registry; reusing it"
  exit 0
fi
echo "Building $image for $platform (cpu_architecture = $declared)"
docker build --pull --platform "$platform" --build-arg "GIT_SHA=$git_sha" --tag "$image" .
docker push "$image"
