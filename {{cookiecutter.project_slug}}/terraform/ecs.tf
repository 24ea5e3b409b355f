# The image repository is the bootstrap stack's (terraform/bootstrap/ecr.tf).
data "aws_ecr_repository" "app" {
  name = local.name
}

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }
}

# Terraform owns this revision's shape (size, roles, environment, logging, health check). The deploy
# pipeline registers a copy of it with the commit's image for every release, and the service below
# ignores which revision it runs, so neither side undoes the other (docs/decisions.md).
resource "aws_ecs_task_definition" "app" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The root filesystem is read-only; /tmp is task storage for anything that needs scratch space.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = local.container_name
      image                  = local.image
      essential              = true
      readonlyRootFilesystem = true
      stopTimeout            = local.stop_timeout
      portMappings           = [{ containerPort = var.container_port, protocol = "tcp" }]
      linuxParameters        = { initProcessEnabled = true }
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      environment = [
        { name = "APP_ENVIRONMENT", value = var.environment },
        { name = "APP_IMAGE_TAG", value = var.image_tag },
        { name = "APP_PORT", value = tostring(var.container_port) },
        { name = "APP_WORKERS", value = tostring(max(1, floor(var.task_cpu / 1024))) },
        { name = "APP_KEEP_ALIVE_TIMEOUT", value = tostring(local.keep_alive_timeout) },
        { name = "APP_SHUTDOWN_TIMEOUT", value = tostring(local.app_shutdown_timeout) },
        { name = "APP_FORWARDED_ALLOW_IPS", value = var.vpc_cidr },
        { name = "APP_DOCS_ENABLED", value = "false" },
      ]
      # The same probe as the Dockerfile HEALTHCHECK; it requests var.health_check_path inside the task.
      healthCheck = {
        command     = ["CMD", "python", "-m", "app.healthcheck"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 15
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.app.name
          awslogs-region        = var.aws_region
          awslogs-stream-prefix = "app"
          mode                  = "non-blocking"
          max-buffer-size       = "25m"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "app" {
  name                              = local.name
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.app.arn
  desired_count                     = var.min_capacity
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = 60
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"
  enable_execute_command            = false

  # Rolling deploys keep full capacity: new tasks start alongside the old (200%) and old ones stop
  # only once the new are healthy (100%). A deployment whose tasks keep failing is rolled back.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = [for subnet in aws_subnet.private : subnet.id]
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = local.container_name
    container_port   = var.container_port
  }

  lifecycle {
    # desired_count belongs to autoscaling and task_definition to the deploy pipeline once created.
    ignore_changes = [desired_count, task_definition]
  }

  depends_on = [aws_lb_listener.http, aws_iam_role_policy.execution]
}
