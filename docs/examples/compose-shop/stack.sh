#!/bin/sh
# stack.sh up|deploy VERSION|down: the shop stack as a team runs it — with
# `docker compose` when this machine has it, else the same containers by
# `docker run`, labelled as compose labels them (so `sut.watch` finds them
# by com.docker.compose.project=shop either way).
#   up            start v1 (schema 1)
#   deploy v2     recreate the api as v2: schema 2, with its migration
#   deploy v2-nomigrate   v2 without the migration: the seed's upgrade
#   down          remove the containers and the data volume
# REHEARSE_IMAGE is needed by up; deploy keeps the image the stack runs
# when it is not set, and always the stack's rehearse.run label (rehearse
# runs this script with REHEARSE_RUN set to its own run's id).
set -eu
cd "$(dirname "$0")"
RUN=${REHEARSE_RUN:-example}
image() {
	if [ -z "${REHEARSE_IMAGE:-}" ]; then
		REHEARSE_IMAGE=$(docker inspect -f '{{.Config.Image}}' shop-api-1 2>/dev/null) ||
			{ echo "stack.sh: set REHEARSE_IMAGE to the image to run (rehearse images prints it)" >&2; exit 2; }
	fi
	export REHEARSE_IMAGE
	RUN=$(docker inspect -f '{{index .Config.Labels "rehearse.run"}}' shop-api-1 2>/dev/null) || RUN=${REHEARSE_RUN:-example}
	REHEARSE_RUN=$RUN
	export REHEARSE_RUN
}
version_args() {
	case "${1:-v1}" in
	v1) API_SCHEMA=--schema-version=1 API_MIGRATE=--schema-version=1 ;;
	v2) API_SCHEMA=--schema-version=2 API_MIGRATE=--migrate ;;
	v2-nomigrate) API_SCHEMA=--schema-version=2 API_MIGRATE=--schema-version=2 ;;
	*) echo "stack.sh: unknown version $1 (v1, v2, v2-nomigrate)" >&2; exit 2 ;;
	esac
	export API_SCHEMA API_MIGRATE
}
compose() { docker compose version >/dev/null 2>&1; }
run_api() {
	docker run -d --name shop-api-1 --network host --memory 256m --restart on-failure \
		--label com.docker.compose.project=shop --label com.docker.compose.service=api \
		--label rehearse.run="$RUN" -v shop_data:/data "$REHEARSE_IMAGE" \
		--mode=sync --addr=127.0.0.1:18080 --query-delay=50ms --record-mem=-1 "$API_SCHEMA" "$API_MIGRATE" >/dev/null
}
# wait_api waits until the api listens, as `docker compose up --wait`
# does (the service logs "listening" once its port is open), for 60 s at
# most: a rehearsal started right after `up` must find it.
wait_api() {
	i=0
	until docker logs shop-api-1 2>&1 | grep -q listening; do
		i=$((i + 1))
		if [ "$i" -gt 300 ] || [ "$(docker inspect -f '{{.State.Running}}' shop-api-1 2>/dev/null)" = false ]; then
			echo "stack.sh: the api did not start listening:" >&2
			docker logs --tail 20 shop-api-1 >&2 2>&1 || true
			exit 1
		fi
		sleep 0.2
	done
}
case "${1:-}" in
up)
	: "${REHEARSE_IMAGE:?set REHEARSE_IMAGE to the image to run (rehearse images prints it)}"
	version_args v1
	if compose; then docker compose up -d --wait; else
		docker volume create --label rehearse.run="$RUN" shop_data >/dev/null
		run_api
		wait_api
	fi ;;
deploy)
	image
	version_args "${2:-v2}"
	echo "deploying ${2:-v2}"
	if compose; then docker compose up -d --force-recreate --wait api; else
		docker stop -t 5 shop-api-1 >/dev/null && docker rm shop-api-1 >/dev/null
		run_api
		wait_api
	fi
	echo "deployed ${2:-v2}" ;;
down)
	if compose; then REHEARSE_IMAGE=${REHEARSE_IMAGE:-none} docker compose down -v; else
		docker rm -f shop-api-1 >/dev/null 2>&1 || true
		docker volume rm shop_data >/dev/null 2>&1 || true
	fi ;;
*) echo "usage: stack.sh up | deploy v2|v2-nomigrate | down" >&2; exit 2 ;;
esac
