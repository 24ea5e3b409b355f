output "service_url" {
  description = "URL of the service behind the load balancer."
  value       = local.has_domain ? "https://${var.domain_name}" : "${var.enable_https ? "https" : "http"}://${aws_lb.this.dns_name}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer; point a CNAME or alias record at it."
  value       = aws_lb.this.dns_name
}

output "ecr_repository_url" {
  description = "ECR repository the pipeline pushes images to."
  value       = local.image_repository_url
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.app.name
}

output "container_name" {
  description = "Name of the app container in the task definition."
  value       = local.container_name
}

output "task_definition_arn" {
  description = "Task definition revision Terraform manages; the deploy pipeline copies it with a new image."
  value       = aws_ecs_task_definition.app.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the app's JSON logs."
  value       = aws_cloudwatch_log_group.app.name
}

output "vpc_id" {
  description = "VPC ID."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Public subnet IDs, keyed by AZ."
  value       = { for az, subnet in aws_subnet.public : az => subnet.id }
}

output "private_subnet_ids" {
  description = "Private subnet IDs, keyed by AZ."
  value       = { for az, subnet in aws_subnet.private : az => subnet.id }
}

output "database_subnet_group_name" {
  description = "DB subnet group of the isolated database tier, or null when it is off."
  value       = one(aws_db_subnet_group.this[*].name)
}

output "database_security_group_id" {
  description = "Security group for a database in the isolated tier, or null when it is off."
  value       = one(aws_security_group.database[*].id)
}

output "dashboard_url" {
  description = "CloudWatch dashboard of the service: traffic, errors, latency, tasks, deployments, alarms."
  value       = "https://${var.aws_region}.console.aws.amazon.com/cloudwatch/home?region=${var.aws_region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies; subscribe email, chat or paging to it (README)."
  value       = aws_sns_topic.alarms.arn
}

output "deployment_timeout_seconds" {
  description = "How long the release job waits for a rollout: 20 minutes, plus the canary's bakes."
  value       = tostring(1200 + (local.canary ? 60 * (var.canary_bake_minutes + var.deployment_bake_minutes) : 0))
}

output "smoke_requests_per_minute" {
  description = "Requests a minute the release job sends to the service while a canary rolls out, so that about five a minute reach the canary whatever the service's own traffic (0: rolling releases need none)."
  value       = tostring(local.canary ? ceil(500 / var.canary_percent) : 0)
}

output "deployment_alarm_names" {
  description = "Alarms ECS watches during each deployment, rolling back when one fires."
  value       = local.deployment_alarm_names
}
