#!/usr/bin/env bash
# Tags the first image ever pushed to the repository `initial`, once. The task definition Terraform
# manages runs `initial`, so the service, when Terraform creates it, starts on a real image of this
# project rather than on one that does not exist.
#
#   scripts/tag-initial-image.sh REPOSITORY TAG
#
# ECR tags are immutable here, so `initial` keeps naming that first image; the release job runs this
# before every apply and it does nothing once the tag exists. Retagging uses ECR's API (the image is
# not pulled or pushed again).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPOSITORY TAG" >&2
  exit 64
fi
repository=$1 tag=$2

fail() {
  echo "::error title=Tagging the initial image failed::$*" >&2
  exit 1
}

if found=$(aws ecr describe-images --repository-name "$repository" --image-ids imageTag=initial \
  --query 'imageDetails[0].imageDigest' --output text 2>&1); then
  echo "$repository:initial is $found; nothing to do"
  exit 0
fi
[[ "$found" == *ImageNotFoundException* ]] || fail "aws ecr describe-images failed: ${found//$'\n'/ }"

image() {
  aws ecr batch-get-image --repository-name "$repository" --image-ids imageTag="$tag" --query "images[0].$1" --output text
}
manifest=$(image imageManifest) || fail "aws ecr batch-get-image failed (see above)"
media_type=$(image imageManifestMediaType) || fail "aws ecr batch-get-image failed (see above)"
[ -n "$manifest" ] && [ "$manifest" != None ] || fail "$repository:$tag was not found; push it first"
aws ecr put-image --repository-name "$repository" --image-tag initial --image-manifest "$manifest" \
  --image-manifest-media-type "$media_type" >/dev/null || fail "aws ecr put-image failed (see above)"
echo "$repository:initial now names $tag, the first image of this service"
