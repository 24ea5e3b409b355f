# DynamoDB state locking. The template leaves this file out when S3-native locking is chosen.

variable "lock_table" {
  description = "Name of the DynamoDB table holding Terraform state locks."
  type        = string
}

resource "aws_dynamodb_table" "lock" {
  name                        = var.lock_table
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = true

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.state.arn
  }

  lifecycle {
    prevent_destroy = true
  }
}

data "aws_iam_policy_document" "lock_apply" {
  statement {
    sid       = "TakeAndReleaseStateLocks"
    actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.lock.arn]
  }
}

# Plans on pull requests run with -lock=false; reading the state digest is all they need.
data "aws_iam_policy_document" "lock_plan" {
  statement {
    sid       = "ReadStateDigest"
    actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.lock.arn]
  }
}

resource "aws_iam_role_policy" "deploy_lock" {
  name   = "terraform-state-lock"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.lock_apply.json
}

resource "aws_iam_role_policy" "plan_lock" {
  name   = "terraform-state-digest"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.lock_plan.json
}

output "lock_table" {
  description = "DynamoDB lock table (backend.hcl: dynamodb_table)."
  value       = aws_dynamodb_table.lock.name
}
