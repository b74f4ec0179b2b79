#!/bin/sh
# The tenant API example's deploy: replace with your own (docker compose up -d, kubectl apply, ...).
echo "deploying $*"
