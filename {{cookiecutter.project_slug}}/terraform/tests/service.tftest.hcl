mock_provider "aws" {
{% include "terraform/tests/{#aws-mocks.hcl#}" %}
{% include "terraform/tests/{#aws-mock-overrides.hcl#}" %}
}

variables {
  project            = "svc-test"
  repository         = "acme/svc-test"
  aws_region         = "us-east-1"
  availability_zones = ["us-east-1a", "us-east-1b"]
  container_port     = 8000
}

run "tasks_admit_only_the_load_balancer" {
  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.security_group_id == aws_security_group.tasks.id
    error_message = "The tasks' ingress rule must belong to the tasks' security group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.referenced_security_group_id == aws_security_group.alb.id && aws_vpc_security_group_ingress_rule.tasks_from_alb.cidr_ipv4 == null
    error_message = "The tasks must admit the load balancer's security group only, never a CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.from_port == 8000 && aws_vpc_security_group_ingress_rule.tasks_from_alb.to_port == 8000
    error_message = "The tasks must admit the container port only."
  }

  assert {
    condition     = alltrue([for rule in aws_vpc_security_group_ingress_rule.alb_listeners : rule.security_group_id == aws_security_group.alb.id])
    error_message = "Internet-facing rules must belong to the load balancer's security group only."
  }
}

run "service_runs_privately" {
  assert {
    condition     = aws_ecs_service.app.network_configuration[0].assign_public_ip == false
    error_message = "Tasks must not get public IPs."
  }

  assert {
    condition     = aws_ecs_service.app.network_configuration[0].subnets == toset([for subnet in aws_subnet.private : subnet.id])
    error_message = "Tasks must run in the private subnets, one per AZ."
  }

  assert {
    condition     = aws_ecs_service.app.network_configuration[0].security_groups == toset([aws_security_group.tasks.id])
    error_message = "Tasks must use the tasks' security group only."
  }

  assert {
    condition     = aws_lb.this.subnets == toset([for subnet in aws_subnet.public : subnet.id]) && aws_lb.this.internal == false
    error_message = "The load balancer must be internet-facing in the public subnets."
  }
}

run "deployments_keep_capacity" {
  assert {
    condition     = aws_ecs_service.app.deployment_minimum_healthy_percent == 100 && aws_ecs_service.app.deployment_maximum_percent == 200
    error_message = "Rolling deploys must keep 100% healthy and may start up to 200%."
  }

  assert {
    condition     = aws_ecs_service.app.health_check_grace_period_seconds == 60 && aws_ecs_service.app.launch_type == "FARGATE"
    error_message = "The service must run on Fargate with a 60 s health check grace period."
  }
}

run "timings_never_cut_a_request" {
  assert {
    condition     = aws_lb_target_group.app["primary"].deregistration_delay <= 30 && aws_lb_target_group.app["primary"].deregistration_delay > aws_lb.this.idle_timeout
    error_message = "Draining must take at most 30 s and outlast the longest (idle-bounded) request."
  }

  assert {
    condition = tonumber([
      for variable in jsondecode(aws_ecs_task_definition.app.container_definitions)[0].environment : variable.value
      if variable.name == "APP_KEEP_ALIVE_TIMEOUT"
    ][0]) > aws_lb.this.idle_timeout
    error_message = "The app's keep-alive must outlast the ALB idle timeout, or the ALB reuses closed connections (502s)."
  }

  assert {
    condition = jsondecode(aws_ecs_task_definition.app.container_definitions)[0].stopTimeout > tonumber([
      for variable in jsondecode(aws_ecs_task_definition.app.container_definitions)[0].environment : variable.value
      if variable.name == "APP_SHUTDOWN_TIMEOUT"
    ][0])
    error_message = "ECS must wait longer than the app's graceful shutdown before SIGKILL."
  }
}

run "health_checks_agree" {
  assert {
    condition     = aws_lb_target_group.app["primary"].health_check[0].path == "{{ cookiecutter._health_check_path }}" && aws_lb_target_group.app["primary"].health_check[0].interval == 10 && aws_lb_target_group.app["primary"].health_check[0].healthy_threshold == 2
    error_message = "The target group must probe the app's health path every 10 s, healthy after 2 successes."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.app.container_definitions)[0].healthCheck.command == ["CMD", "python", "-m", "app.healthcheck"]
    error_message = "The container health check must run the app's own probe, as the Dockerfile HEALTHCHECK does."
  }

  assert {
    condition     = aws_lb_target_group.app["primary"].name_prefix == "svc-te" && aws_lb_target_group.app["primary"].target_type == "ip"
    error_message = "The target group must use a name prefix (for create_before_destroy) and IP targets."
  }
}

run "task_definition_matches_inputs" {
  variables {
    task_cpu         = 1024
    task_memory      = 2048
    cpu_architecture = "ARM64"
  }

  assert {
    condition     = aws_ecs_task_definition.app.cpu == "1024" && aws_ecs_task_definition.app.memory == "2048"
    error_message = "The task size must come from the inputs."
  }

  assert {
    condition     = aws_ecs_task_definition.app.runtime_platform[0].cpu_architecture == "ARM64"
    error_message = "The CPU architecture must come from the input."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.app.container_definitions)[0].readonlyRootFilesystem && jsondecode(aws_ecs_task_definition.app.container_definitions)[0].logConfiguration.logDriver == "awslogs"
    error_message = "The container must have a read-only root filesystem and log to CloudWatch."
  }

  assert {
    condition     = aws_ecs_task_definition.app.execution_role_arn != aws_ecs_task_definition.app.task_role_arn
    error_message = "The execution role and the task role must be separate."
  }
}

run "scaling_tracks_the_cpu_target" {
  variables {
    cpu_target_percent = 55
    min_capacity       = 3
    max_capacity       = 12
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].target_value == 55
    error_message = "The scaling policy must target the CPU input."
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    error_message = "The scaling policy must track the service's average CPU."
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].scale_out_cooldown < aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].scale_in_cooldown
    error_message = "Scaling out must react faster than scaling in."
  }

  assert {
    condition     = aws_appautoscaling_target.app.min_capacity == 3 && aws_appautoscaling_target.app.max_capacity == 12
    error_message = "Capacity bounds must come from the inputs."
  }
}

run "the_service_starts_on_the_image_tagged_initial" {
  assert {
    condition     = endswith(jsondecode(aws_ecs_task_definition.app.container_definitions)[0].image, ":initial")
    error_message = "The task definition Terraform manages must run the image tagged initial, which the release job creates before the first apply."
  }
}
