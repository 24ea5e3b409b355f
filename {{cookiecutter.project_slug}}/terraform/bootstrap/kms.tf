data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # The state key: this stack's own, or the one another environment's bootstrap made in this account.
  state_key_arn = var.shared_resources ? aws_kms_key.state[0].arn : data.aws_kms_alias.state[0].target_key_arn
}

data "aws_kms_alias" "state" {
  count = var.shared_resources ? 0 : 1

  name = "alias/${var.project}-tfstate"
}

# Encrypts the Terraform state (and the lock table): state holds every resource attribute.
resource "aws_kms_key" "state" {
  count = var.shared_resources ? 1 : 0

  description             = "Encrypts the Terraform state of ${var.project}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "state" {
  count = var.shared_resources ? 1 : 0

  name          = "alias/${var.project}-tfstate"
  target_key_id = aws_kms_key.state[0].key_id
}

# The account administers the key; the pipeline roles use it through their IAM policies.
data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself; the account root keeps administration as AWS recommends.
  #checkov:skip=CKV_AWS_111:Same: write access is to this key only.
  #checkov:skip=CKV_AWS_356:Same: in a key policy "*" means this key.
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}
