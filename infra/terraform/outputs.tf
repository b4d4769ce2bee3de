output "metrics_url" {
  description = "infra-monitor's metrics endpoint on the Docker host."
  value       = "http://<docker-host>:${var.infra_monitor_port}/metrics"
}

output "prometheus_url" {
  description = "Prometheus UI."
  value       = "http://${var.bind_address}:9090"
}

output "grafana_url" {
  description = "Grafana UI (admin password from var.grafana_admin_password)."
  value       = "http://${var.bind_address}:3000"
}

output "loki_url" {
  description = "Loki push and query API."
  value       = "http://${var.bind_address}:3100"
}

output "container_ids" {
  description = "IDs of the stack's containers."
  value = {
    infra_monitor = docker_container.infra_monitor.id
    prometheus    = docker_container.prometheus.id
    grafana       = docker_container.grafana.id
    loki          = docker_container.loki.id
    alloy         = docker_container.alloy.id
  }
}
