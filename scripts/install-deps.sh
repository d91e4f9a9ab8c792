#!/usr/bin/env bash
# Installs the system packages gatewayd needs on Debian/Ubuntu, if any is missing:
# the mosquitto broker (for running and for the tests), libmosquitto-dev, libsqlite3-dev, libxml2-dev (Foundation's XML parser, for Hikvision XML pushes), zlib1g-dev (deflated Dahua uploads), pkg-config;
# for the console's browser test: chromium, chromium-driver and python3-selenium (headless, nothing downloaded at test time) and fonts-noto-cjk (Chinese text in screenshots);
# python3-paho-mqtt: the plain Python gateway `gatewayd-bench yardstick` compares against (bench/python-gateway).
set -euo pipefail

packages=(mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev libxml2-dev zlib1g-dev pkg-config
          chromium chromium-driver python3-selenium fonts-noto-cjk python3-paho-mqtt)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
