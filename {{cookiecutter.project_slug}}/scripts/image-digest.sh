#!/usr/bin/env bash
# Checks the image digest an earlier environment's release job passed on before this environment deploys it.
#
#   scripts/image-digest.sh REPOSITORY DIGEST COMMIT >> "$GITHUB_OUTPUT"
#
# Only a digest passes (sha256: and 64 hexadecimal digits, nothing a job output could smuggle into a later
# step), and only the one the repository's tag COMMIT names: the image the first environment pushed for this
# commit (tags are immutable). Prints `digest=DIGEST`. Exit 0: deploy it; 1: refused, with an ::error
# annotation saying why and what to do.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 REPOSITORY DIGEST COMMIT" >&2
  exit 64
fi
repository=$1 digest=$2 commit=$3

fail() {
  echo "::error title=No image to deploy::$*" >&2
  exit 1
}

[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] ||
  fail "the earlier environment's release passed '${digest:0:80}', not an image digest (sha256: and 64 hexadecimal digits). Nothing was deployed; re-run all jobs."
[[ $commit =~ ^[0-9a-f]{40}$ ]] || fail "COMMIT must be a full git SHA, got '${commit:0:80}'."
# ECR_REGISTRY_ID names the repository's account when it is not the caller's (production in an account of
# its own reads staging's).
if ! found=$(aws ecr describe-images ${ECR_REGISTRY_ID:+--registry-id "$ECR_REGISTRY_ID"} --repository-name "$repository" --image-ids imageTag="$commit" \
  --query 'imageDetails[0].imageDigest' --output text 2>&1); then
  if [[ $found == *ImageNotFoundException* ]]; then
    fail "$repository holds no image tagged $commit (expired by its lifecycle policy?). Nothing was deployed; release a new commit."
  fi
  fail "aws ecr describe-images failed: ${found//$'\n'/ }"
fi
[ "$found" = "$digest" ] ||
  fail "$repository:$commit is $found, not the $digest the earlier environment passed on. Nothing was deployed; find out who pushed which, then release a new commit."
echo "image-digest: $repository@$digest is the image tagged $commit" >&2
echo "digest=$digest"
