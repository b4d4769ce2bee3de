terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "= 3.0.2"
    }
  }
}

# The compose stack (infra/docker-compose.yml, profile "single") as Terraform
# resources on one Docker host.  Configuration files are the same ones the
# compose file mounts, uploaded into the containers, so both stay in step.

provider "docker" {
  host = var.docker_host
}

locals {
  infra_dir = abspath("${path.module}/..")
  labels = {
    "app.kubernetes.io/part-of" = "infra-monitor"
    "managed-by"                = "terraform"
  }
  dashboards = fileset("${local.infra_dir}/grafana/dashboards", "*.json")
  rules      = fileset("${local.infra_dir}/prometheus/rules", "*.yml")
}

resource "docker_network" "monitoring" {
  name = "infra-monitor"
}

resource "docker_volume" "data" {
  for_each = toset(["im-data", "im-logs", "prometheus-data", "grafana-data", "loki-data", "alloy-data"])
  name     = "infra-monitor-${each.key}"
}

resource "docker_image" "infra_monitor" {
  name         = var.infra_monitor_image
  keep_locally = true
}

resource "docker_image" "stack" {
  for_each     = var.images
  name         = each.value
  keep_locally = true
}

# The daemon: host network and PID namespaces, read-only host mounts,
# CAP_BPF and CAP_PERFMON only (docs/deployment.md).
resource "docker_container" "infra_monitor" {
  name         = "infra-monitor"
  image        = docker_image.infra_monitor.image_id
  restart      = "unless-stopped"
  network_mode = "host"
  pid_mode     = "host"
  read_only    = true
  # The engine's default seccomp profile plus bpf and perf_event_open (still
  # gated by CAP_BPF / CAP_PERFMON), as in the compose file.
  security_opts = [
    "no-new-privileges:true",
    "seccomp=${jsonencode(jsondecode(file("${local.infra_dir}/seccomp/infra-monitor.json")))}",
  ]

  capabilities {
    add  = ["CAP_BPF", "CAP_PERFMON"]
    drop = ["ALL"]
  }

  command = [
    "--mode=all",
    "--web.listen-address=:${var.infra_monitor_port}",
    "--collect.interval=${var.collect_interval}",
    "--path.procfs=/host/proc",
    "--path.sysfs=/host/sys",
    "--path.rootfs=/host/root",
    "--output.dir=/var/lib/infra-monitor",
    "--log.file=/var/log/infra-monitor/infra-monitor.log",
  ]

  tmpfs = { "/tmp" = "size=16m,mode=1777" }

  mounts {
    type      = "bind"
    source    = "/proc"
    target    = "/host/proc"
    read_only = true
  }
  mounts {
    type      = "bind"
    source    = "/sys"
    target    = "/host/sys"
    read_only = true
  }
  mounts {
    type      = "bind"
    source    = "/"
    target    = "/host/root"
    read_only = true
    bind_options {
      propagation = "rslave"
    }
  }
  mounts {
    type      = "bind"
    source    = "/sys/kernel/tracing"
    target    = "/sys/kernel/tracing"
    read_only = true
  }
  volumes {
    volume_name    = docker_volume.data["im-data"].name
    container_path = "/var/lib/infra-monitor"
  }
  volumes {
    volume_name    = docker_volume.data["im-logs"].name
    container_path = "/var/log/infra-monitor"
  }

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_container" "prometheus" {
  name    = "infra-monitor-prometheus"
  image   = docker_image.stack["prometheus"].image_id
  restart = "unless-stopped"
  command = [
    "--config.file=/etc/prometheus/prometheus.yml",
    "--storage.tsdb.path=/prometheus",
    "--storage.tsdb.retention.time=15d",
  ]

  networks_advanced {
    name = docker_network.monitoring.name
  }
  # prometheus.yml scrapes "infra-monitor:9479"; the daemon is on the host network.
  host {
    host = "infra-monitor"
    ip   = "host-gateway"
  }
  ports {
    internal = 9090
    external = 9090
    ip       = var.bind_address
  }

  upload {
    file    = "/etc/prometheus/prometheus.yml"
    content = file("${local.infra_dir}/prometheus/prometheus.yml")
  }
  dynamic "upload" {
    for_each = local.rules
    content {
      file    = "/etc/prometheus/rules/${upload.value}"
      content = file("${local.infra_dir}/prometheus/rules/${upload.value}")
    }
  }
  volumes {
    volume_name    = docker_volume.data["prometheus-data"].name
    container_path = "/prometheus"
  }
}

resource "docker_container" "loki" {
  name    = "infra-monitor-loki"
  image   = docker_image.stack["loki"].image_id
  restart = "unless-stopped"
  command = ["-config.file=/etc/loki/loki-config.yml"]

  networks_advanced {
    name    = docker_network.monitoring.name
    aliases = ["loki"]
  }
  ports {
    internal = 3100
    external = 3100
    ip       = var.bind_address
  }
  upload {
    file    = "/etc/loki/loki-config.yml"
    content = file("${local.infra_dir}/loki/loki-config.yml")
  }
  volumes {
    volume_name    = docker_volume.data["loki-data"].name
    container_path = "/loki"
  }
}

resource "docker_container" "grafana" {
  name    = "infra-monitor-grafana"
  image   = docker_image.stack["grafana"].image_id
  restart = "unless-stopped"
  env = [
    "GF_SECURITY_ADMIN_USER=admin",
    "GF_SECURITY_ADMIN_PASSWORD=${var.grafana_admin_password}",
    "GF_AUTH_ANONYMOUS_ENABLED=true",
    "GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer",
    "GF_ANALYTICS_REPORTING_ENABLED=false",
  ]

  networks_advanced {
    name = docker_network.monitoring.name
  }
  ports {
    internal = 3000
    external = 3000
    ip       = var.bind_address
  }
  upload {
    file    = "/etc/grafana/provisioning/datasources/datasources.yml"
    content = replace(file("${local.infra_dir}/grafana/provisioning/datasources/datasources.yml"), "http://prometheus:9090", "http://infra-monitor-prometheus:9090")
  }
  upload {
    file    = "/etc/grafana/provisioning/dashboards/dashboards.yml"
    content = file("${local.infra_dir}/grafana/provisioning/dashboards/dashboards.yml")
  }
  dynamic "upload" {
    for_each = local.dashboards
    content {
      file    = "/var/lib/grafana/dashboards/${upload.value}"
      content = file("${local.infra_dir}/grafana/dashboards/${upload.value}")
    }
  }
  volumes {
    volume_name    = docker_volume.data["grafana-data"].name
    container_path = "/var/lib/grafana"
  }
}

resource "docker_container" "alloy" {
  name    = "infra-monitor-alloy"
  image   = docker_image.stack["alloy"].image_id
  restart = "unless-stopped"
  command = [
    "run",
    "--server.http.listen-addr=0.0.0.0:12345",
    "--storage.path=/var/lib/alloy/data",
    "/etc/alloy/config.alloy",
  ]

  networks_advanced {
    name = docker_network.monitoring.name
  }
  upload {
    file    = "/etc/alloy/config.alloy"
    content = file("${local.infra_dir}/alloy/config.alloy")
  }
  volumes {
    volume_name    = docker_volume.data["im-logs"].name
    container_path = "/var/log/infra-monitor"
    read_only      = true
  }
  volumes {
    volume_name    = docker_volume.data["alloy-data"].name
    container_path = "/var/lib/alloy/data"
  }
}
