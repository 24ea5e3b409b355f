# The zone of the service's own domain (variables domain_name and hosted_zone), read once here so that
# the pipeline roles' permissions name that zone and no other.
data "aws_route53_zone" "service" {
  count = var.hosted_zone == null ? 0 : 1

  name         = var.hosted_zone
  private_zone = false
}

locals {
  hosted_zone_arn = one([for zone in data.aws_route53_zone.service : "${local.arn}:route53:::hostedzone/${zone.zone_id}"])
  certificates    = "${local.arn}:acm:${local.at}:certificate/*"
}

# Plan and deploy: read the zone, its records and the project's certificate.
data "aws_iam_policy_document" "domain_read" {
  count = var.domain_name == null ? 0 : 1

  statement {
    sid       = "FindTheZone"
    actions   = ["route53:ListHostedZones"]
    resources = ["*"] # ListHostedZones has no resource-level permissions
  }

  statement {
    sid       = "ReadTheZone"
    actions   = ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ListTagsForResource", "route53:GetChange"]
    resources = [local.hosted_zone_arn, "${local.arn}:route53:::change/*"]
  }

  statement {
    sid       = "ReadTheCertificate"
    actions   = ["acm:DescribeCertificate", "acm:ListTagsForCertificate"]
    resources = [local.certificates]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }
}

# Deploy: reads them too (one policy: a role may carry 10).
data "aws_iam_policy_document" "deploy_domain" {
  count = var.domain_name == null ? 0 : 1

  source_policy_documents = [data.aws_iam_policy_document.domain_read[0].json, data.aws_iam_policy_document.domain_write[0].json]
}

# Deploy: request the domain's certificate (tagged as the project's) and write the domain's own records.
data "aws_iam_policy_document" "domain_write" {
  count = var.domain_name == null ? 0 : 1

  statement {
    sid       = "RequestTheDomainsCertificate"
    actions   = ["acm:RequestCertificate"]
    resources = ["*"] # RequestCertificate has no resource-level permissions; the conditions scope it

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "acm:DomainNames"
      values   = [var.domain_name]
    }

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "TagTheCertificate"
    actions   = ["acm:AddTagsToCertificate"]
    resources = [local.certificates]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "ManageTheCertificate"
    actions   = ["acm:DeleteCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate"]
    resources = [local.certificates]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "WriteTheDomainsRecords"
    actions   = ["route53:ChangeResourceRecordSets"]
    resources = [local.hosted_zone_arn]

    # The alias of the domain and ACM's validation records (_<token>.<domain>), of these types only.
    condition {
      test     = "ForAllValues:StringLike"
      variable = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
      values   = [var.domain_name, "_*.${var.domain_name}"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "route53:ChangeResourceRecordSetsRecordTypes"
      values   = ["A", "CNAME"]
    }
  }
}
