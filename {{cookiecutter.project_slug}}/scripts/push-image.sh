#!/usr/bin/env bash
# Pushes the image the image job built and gated, unless the repository has its tag already, and prints for
# $GITHUB_OUTPUT whether it pushed (`pushed=true|false`) and the digest ECR holds the tag under
# (`digest=sha256:...`), which the attestations name.
#
#   scripts/push-image.sh REGISTRY/REPOSITORY:TAG
#
# Tags are immutable in ECR. When the tag is there already (a re-run of the release), the pushed image stays
# and is what the service runs; it is not pushed again, and the run that pushed it attested it. Both the
# check and the digest come from ECR's API, not from pulling the image: an ARM64 image cannot be pulled on
# an x86 runner.
set -euo pipefail

if [ $# -ne 1 ] || [[ $1 != */*:* ]]; then
  echo "usage: $0 REGISTRY/REPOSITORY:TAG" >&2
  exit 64
fi
image=$1
path=${image#*/}
repository=${path%:*} tag=${path##*:}

fail() {
  echo "::error title=Pushing the image failed::$*" >&2
  exit 1
}

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
# The tag's digest on stdout; the CLI's messages kept apart in $errors.
digest_of_tag() {
  aws ecr describe-images --repository-name "$repository" --image-ids imageTag="$tag" \
    --query 'imageDetails[0].imageDigest' --output text 2>"$errors"
}

if digest=$(digest_of_tag); then
  echo "$repository:$tag is already in the registry ($digest); keeping it" >&2
  pushed=false
else
  grep -q ImageNotFoundException "$errors" || fail "aws ecr describe-images failed: $(tr '\n' ' ' < "$errors")"
  docker push "$image" >&2 || fail "docker push $image failed (see above)"
  pushed=true
  digest=$(digest_of_tag) || fail "aws ecr describe-images failed after the push: $(tr '\n' ' ' < "$errors")"
fi
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "ECR names '$digest' as the digest of $repository:$tag, not a sha256 digest"
echo "pushed=$pushed"
echo "digest=$digest"
