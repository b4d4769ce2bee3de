variable "docker_host" {
  description = "Docker daemon the stack runs on, e.g. unix:///var/run/docker.sock or ssh://user@host."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "infra_monitor_image" {
  description = "infra-monitor image (built from the repository's Dockerfile)."
  type        = string
  default     = "localhost/infra-monitor:0.1.0"
}

variable "infra_monitor_port" {
  description = "Port the daemon listens on, on the host network."
  type        = number
  default     = 9479
}

variable "collect_interval" {
  description = "--collect.interval; Prometheus scrapes at the same interval (prometheus.yml)."
  type        = string
  default     = "15s"
}

variable "bind_address" {
  description = "Host address the Prometheus, Grafana and Loki ports are published on."
  type        = string
  default     = "127.0.0.1"
}

variable "grafana_admin_password" {
  description = "Grafana admin password. No default: pass it with TF_VAR_grafana_admin_password or a secret store."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.grafana_admin_password) >= 12
    error_message = "The Grafana admin password must have at least 12 characters."
  }
}

variable "images" {
  description = "Pinned images of the rest of the stack (same tags as infra/docker-compose.yml)."
  type        = map(string)
  default = {
    prometheus = "prom/prometheus:v2.53.2"
    grafana    = "grafana/grafana:11.2.0"
    loki       = "grafana/loki:3.1.1"
    alloy      = "grafana/alloy:v1.4.2"
  }
}
