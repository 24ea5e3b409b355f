resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Server access logs need a separate log bucket; state access is already recorded by CloudTrail.
  #checkov:skip=CKV_AWS_144:Cross-region replication of state is an organisation-level disaster-recovery choice.
  #checkov:skip=CKV2_AWS_62:Nothing consumes event notifications for state objects.
  count = var.shared_resources ? 1 : 0

  bucket = var.state_bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  count = var.shared_resources ? 1 : 0

  bucket = aws_s3_bucket.state[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  count = var.shared_resources ? 1 : 0

  bucket = aws_s3_bucket.state[0].id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.state_key_arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  count = var.shared_resources ? 1 : 0

  bucket                  = aws_s3_bucket.state[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  count = var.shared_resources ? 1 : 0

  bucket = aws_s3_bucket.state[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Old state versions are how a bad apply is undone; keep them for a while, not forever.
resource "aws_s3_bucket_lifecycle_configuration" "state" {
  count = var.shared_resources ? 1 : 0

  bucket = aws_s3_bucket.state[0].id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_state_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  count = var.shared_resources ? 1 : 0

  bucket = aws_s3_bucket.state[0].id
  policy = data.aws_iam_policy_document.state_bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

data "aws_iam_policy_document" "state_bucket" {
  count = var.shared_resources ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state[0].arn, "${aws_s3_bucket.state[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
