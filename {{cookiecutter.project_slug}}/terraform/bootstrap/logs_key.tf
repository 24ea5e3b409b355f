# The key of the service's logs (its two log groups) and of its alarm topic. It belongs here, not to the
# service stack: creating a key with tags needs kms:TagResource on keys that do not exist yet, which IAM can
# only grant on every key of the region, and a pipeline holding that could tag any untagged key as its own
# and then re-policy or delete it. The service stack finds the key by its alias and only uses it; the
# names in its policy are the ones the service stack gives its log groups and alarm topic.
resource "aws_kms_key" "logs" {
  description             = "Encrypts the CloudWatch logs and alarm notifications of ${local.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.logs_key.json
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${local.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

data "aws_iam_policy_document" "logs_key" {
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

  statement {
    sid       = "CloudWatchLogsEncryptsTheseLogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [for group in local.log_group_names : "${local.arn}:logs:${local.at}:log-group:${group}"]
    }
  }

  # The alarm topic (the service stack's alarms.tf) is encrypted with this key: CloudWatch must encrypt what it publishes, to
  # this topic only (SNS names the topic in the encryption context). Which alarms may publish is decided by
  # the topic policy, with the aws:SourceArn and aws:SourceAccount conditions CloudWatch documents there; AWS
  # does not document those keys in the KMS request made on CloudWatch's behalf, and a condition on a key the
  # request lacks would stop every notification without an error anywhere but the alarm's history.
  statement {
    sid       = "CloudWatchAlarmsPublishToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sns:topicArn"
      values   = [local.alarm_topic]
    }
  }
}
