resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logs need a dedicated log bucket; enable them when an organisation log bucket exists.
  #checkov:skip=CKV2_AWS_28:A WAF web ACL is an organisation-wide choice with its own cost; attach one to this ALB when adopted.
  #checkov:skip=CKV2_AWS_20:Port 80 redirects to HTTPS whenever enable_https is true (aws_lb_listener.http below).
  name                       = local.load_balancer_name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = [for subnet in aws_subnet.public : subnet.id]
  drop_invalid_header_fields = true
  idle_timeout               = local.alb_idle_timeout
  enable_deletion_protection = var.enable_deletion_protection
}

# The service's target group ("primary"), and for canary deployments a second one ("alternate"): ECS
# starts each new revision's tasks in the group not serving, then moves the production rule's weights.
resource "aws_lb_target_group" "app" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the hop to the tasks stays inside the VPC's private subnets.
  for_each = toset(local.canary ? ["primary", "alternate"] : ["primary"])

  # name_prefix (at most 6 characters) lets a replacement be created before the old one is destroyed.
  name_prefix          = substr(local.name, 0, 6)
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = aws_vpc.this.id
  deregistration_delay = local.deregistration_delay

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
    # ECS registers each task with the container's port, and health checks go to that port ("traffic-port"):
    # this port is only a default for targets registered without one. A new container_port must not replace
    # the target groups, which the service and (canary) the production listener rule ECS manages point at.
    ignore_changes = [port]
  }
}

# Every request matches this rule; ECS owns its weights once the service exists.
resource "aws_lb_listener_rule" "production" {
  count = local.canary ? 1 : 0

  listener_arn = var.enable_https ? aws_lb_listener.https[0].arn : aws_lb_listener.http.arn
  priority     = 1

  condition {
    path_pattern {
      values = ["/*"]
    }
  }

  action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.app["primary"].arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.app["alternate"].arn
        weight = 0
      }
    }
  }

  lifecycle {
    # ECS shifts the weights between the two target groups on every canary deployment.
    ignore_changes = [action]
  }
}

moved {
  from = aws_lb_target_group.app
  to   = aws_lb_target_group.app["primary"]
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:HTTP is served only while enable_https is false; with HTTPS on, this listener only redirects.
  #checkov:skip=CKV_AWS_103:TLS applies to the HTTPS listener below, not to this HTTP one.
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = var.enable_https ? "redirect" : "forward"
    target_group_arn = var.enable_https ? null : aws_lb_target_group.app["primary"].arn

    dynamic "redirect" {
      for_each = var.enable_https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count = var.enable_https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.tls_policy
  certificate_arn   = local.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app["primary"].arn
  }
}
