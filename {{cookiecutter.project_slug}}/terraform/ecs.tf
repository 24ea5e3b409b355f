resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
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
  execution_role_arn       = data.aws_iam_role.execution.arn
  task_role_arn            = data.aws_iam_role.task.arn

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
{%- if cookiecutter.database == 'postgres' %}
      environment            = [for name, value in merge(local.plain_environment, local.database_environment, { APP_DATABASE_USER = local.database_app_user }) : { name = name, value = value }]
      # ECS reads these from SSM Parameter Store, and the application login's password from Secrets Manager,
      # as the task starts; only their names are here.
      secrets = concat([for name, parameter in var.secrets : { name = name, valueFrom = local.secret_arns[name] }],
      [{ name = "APP_DATABASE_PASSWORD", valueFrom = "${aws_secretsmanager_secret.app_login.arn}:password::" }])
{%- else %}
      environment            = [for name, value in local.plain_environment : { name = name, value = value }]
      # ECS reads these from SSM Parameter Store as the task starts; only their names are here.
      secrets = [for name, parameter in var.secrets : { name = name, valueFrom = local.secret_arns[name] }]
{%- endif %}
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

  # Rolling: new tasks start alongside the old (200 %) and old ones stop only once the new are healthy
  # (100 %). Canary: ECS starts the new revision in full in the other target group, sends it
  # canary_percent of the traffic for canary_bake_minutes, then all of it, and keeps the old revision
  # for deployment_bake_minutes. Either way a deployment whose tasks keep failing (circuit breaker) or
  # during which a deployment alarm fires (alarms.tf) is rolled back to the last completed one.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_configuration {
    strategy             = local.canary ? "CANARY" : "ROLLING"
    bake_time_in_minutes = local.canary ? var.deployment_bake_minutes : null

    dynamic "canary_configuration" {
      for_each = local.canary ? [1] : []
      content {
        canary_percent              = var.canary_percent
        canary_bake_time_in_minutes = var.canary_bake_minutes
      }
    }
  }

  # New tasks that keep failing to start (a bad setting, an image that cannot be pulled) register with no
  # target group, so no alarm sees them: the circuit breaker ends such a deployment within minutes. ECS
  # documents it for its rolling and blue/green (canary's) deployment types alike.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  alarms {
    enable      = true
    rollback    = true
    alarm_names = local.deployment_alarm_names
  }

  network_configuration {
    subnets          = [for subnet in aws_subnet.private : subnet.id]
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.app["primary"].arn
    container_name   = local.container_name
    container_port   = var.container_port

    dynamic "advanced_configuration" {
      for_each = local.canary ? [1] : []
      content {
        alternate_target_group_arn = aws_lb_target_group.app["alternate"].arn
        production_listener_rule   = aws_lb_listener_rule.production[0].arn
        role_arn                   = data.aws_iam_role.ecs_load_balancing[0].arn
      }
    }
  }

  lifecycle {
    # desired_count belongs to autoscaling and task_definition to the deploy pipeline once created.{% if cookiecutter.deployment_strategy == "canary" %}
    # A canary deployment swaps the target group the service serves from with the alternate one, so
    # after creation the load balancer attachment is ECS's too.{% endif %}
    ignore_changes = [desired_count, task_definition{% if cookiecutter.deployment_strategy == "canary" %}, load_balancer{% endif %}]
  }

  depends_on = [aws_lb_listener.http, aws_lb_listener_rule.production, aws_iam_role_policy.execution{% if cookiecutter.database == 'postgres' %}, aws_iam_role_policy.database_secrets{% endif %}]
}
