#!/usr/bin/env bats
# The OCI lifecycle: create, start, state, kill, delete, run, list.

load helpers

setup() {
  setup_bundle
}

teardown() {
  teardown_containers
}

@test "run: the user program is pid 1 and its exit status is spacer's" {
  set_args sh -c 'echo "pid=$$"; exit 3'
  run spacer run --bundle "$BUNDLE" c1
  [ "$status" -eq 3 ]
  [ "$output" = "pid=1" ]
}

@test "create leaves the container created, start makes it running" {
  set_args sleep 100
  create_container c1
  [ "$(state_field c1 status)" = created ]
  spacer start c1
  [ "$(state_field c1 status)" = running ]
}
