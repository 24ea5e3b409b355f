#!/usr/bin/env bash
# Builds the image for one commit and pushes it, unless the registry already has that tag.
#
#   scripts/build-and-push.sh REGISTRY/REPOSITORY:TAG GIT_SHA
#
# Tags are immutable in ECR: a re-run of a deploy for the same commit reuses the pushed image.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 IMAGE GIT_SHA" >&2
  exit 64
fi
image=$1 git_sha=$2

if docker manifest inspect "$image" >/dev/null 2>&1; then
  echo "$image is already in the registry; reusing it"
  exit 0
fi
docker build --pull --build-arg "GIT_SHA=$git_sha" --tag "$image" .
docker push "$image"
