# The service's image repository. It belongs to the bootstrap, not to the service stack: the first release
# pushes its image before Terraform creates the service, so the service starts on a real image; and
# images outlive a teardown of the service stack.
resource "aws_ecr_repository" "app" {
  count = var.shared_resources ? 1 : 0

  name                 = var.project
  image_tag_mutability = "IMMUTABLE" # tags are git SHAs (and `initial`): a tag always means the same image

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

# Rules are applied lowest priority first, and an image a rule selects by tag is never expired by a later
# rule: `initial` is kept for good, the releases_kept newest releases stay pullable for rollbacks.
resource "aws_ecr_lifecycle_policy" "app" {
  count = var.shared_resources ? 1 : 0

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

# Another environment's bootstrap made it: every environment runs the image digest the one before it ran.
data "aws_ecr_repository" "app" {
  count = var.shared_resources ? 0 : 1

  name = var.project
}

locals {
  image_repository_arn = var.shared_resources ? aws_ecr_repository.app[0].arn : data.aws_ecr_repository.app[0].arn
  image_repository_url = var.shared_resources ? aws_ecr_repository.app[0].repository_url : data.aws_ecr_repository.app[0].repository_url
}
