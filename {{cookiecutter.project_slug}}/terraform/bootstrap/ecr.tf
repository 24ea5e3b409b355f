# The service's image repository. It belongs to the bootstrap, not to the service stack: the first release
# pushes its image before Terraform creates the service, so the service starts on a real image; and
# images outlive a teardown of the service stack.
resource "aws_ecr_repository" "app" {
  count = local.creates_repository ? 1 : 0

  name                 = var.project
  image_tag_mutability = "IMMUTABLE" # tags are git SHAs (and `initial`): a tag always means the same image

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }

  # The images every environment runs: a change of answers that would drop the repository from this
  # bootstrap (production given an account of its own later) stops here instead (docs/updating.md).
  lifecycle {
    prevent_destroy = true
  }
}

# Rules are applied lowest priority first, and an image a rule selects by tag is never expired by a later
# rule: `initial` is kept for good, the releases_kept newest releases stay pullable for rollbacks.
resource "aws_ecr_lifecycle_policy" "app" {
  count = local.creates_repository ? 1 : 0

  repository = aws_ecr_repository.app[0].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Keep the image tagged initial: the task definition Terraform manages runs it"
        selection    = { tagStatus = "tagged", tagPatternList = ["initial"], countType = "imageCountMoreThan", countNumber = 1 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Expire untagged images a day after they were pushed"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 1 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 3
        description  = "Keep the ${var.releases_kept} newest releases, so that any of them can be rolled back to"
        selection    = { tagStatus = "tagged", tagPatternList = ["*"], countType = "imageCountMoreThan", countNumber = var.releases_kept }
        action       = { type = "expire" }
      },
    ]
  })
}

# Another environment's bootstrap in this account made it: every environment runs the image digest the one
# before it ran.
data "aws_ecr_repository" "app" {
  count = var.shared_resources || var.image_account_id != null ? 0 : 1

  name = var.project
}

# Production in an account of its own: its roles read the repository of the account that pushes, which
# lets them in (image_readers there). Its name and address follow from that account; nothing is read from it.
locals {
  creates_repository = var.shared_resources && var.image_account_id == null
  image_repository_arn = (local.creates_repository ? aws_ecr_repository.app[0].arn :
    var.image_account_id != null ? "arn:${local.partition}:ecr:${var.aws_region}:${var.image_account_id}:repository/${var.project}" :
  data.aws_ecr_repository.app[0].arn)
  image_repository_url = (local.creates_repository ? aws_ecr_repository.app[0].repository_url :
    var.image_account_id != null ? "${var.image_account_id}.dkr.ecr.${var.aws_region}.${data.aws_partition.current.dns_suffix}/${var.project}" :
  data.aws_ecr_repository.app[0].repository_url)
}

# Production in an account of its own reads images here: its deploy role (which checks the digest it is given)
# and execution role (which pulls it) may describe and pull them, nothing else. Production's account is the
# principal and the roles a condition on aws:PrincipalArn, so the policy neither depends on the roles
# existing when it is set (ECR refuses a policy naming a role that does not) nor goes stale when one is
# created again. Across accounts the role's own policy must allow the request too. And only this
# environment's deploy role may push or delete images: no one else in this account, administrators
# included, can put an image production would then run, or delete one by hand. (An administrator can still
# change this policy or the lifecycle policy: that is the bootstrap's own work, and CloudTrail records it.)
resource "aws_ecr_repository_policy" "app" {
  count = local.creates_repository && length(var.image_readers) > 0 ? 1 : 0

  repository = aws_ecr_repository.app[0].name
  policy     = data.aws_iam_policy_document.image_readers[0].json
}

data "aws_iam_policy_document" "image_readers" {
  count = local.creates_repository && length(var.image_readers) > 0 ? 1 : 0

  statement {
    sid = "ReadImagesFromTheOtherAccount"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer",
    ]

    principals {
      type        = "AWS"
      identifiers = sort(distinct([for role in var.image_readers : "arn:${local.partition}:iam::${split(":", role)[4]}:root"]))
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = var.image_readers
    }
  }

  statement {
    sid    = "OnlyThePipelineWritesImages"
    effect = "Deny"
    actions = [
      "ecr:BatchDeleteImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
    ]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.deploy.arn]
    }

    # A service acting on its own (no principal ARN) is not this rule's concern.
    condition {
      test     = "BoolIfExists"
      variable = "aws:PrincipalIsAWSService"
      values   = ["false"]
    }
  }
}
