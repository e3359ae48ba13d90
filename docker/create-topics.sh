#!/bin/sh
# Creates Hark's seven topics, idempotently. Run by the one-shot `topics` service in
# docker-compose.yml (image apache/kafka, so the Kafka CLI lives in /opt/kafka/bin).
#
#   HARK_BOOTSTRAP_SERVERS  broker to talk to            (default kafka:19092)
#   HARK_PARTITIONS         partitions per data topic     (default 3; `models` always has 1)
#   HARK_REPLICATION        replication factor            (default 1: single-node broker)
#
# Safe to re-run: topics are created with --if-not-exists, and the topic configs are then
# re-applied with kafka-configs --alter, so an existing topic converges on the settings below.
# An existing topic's partition count is never changed here (that would re-key its data).
# POSIX sh on purpose: no bash-isms, so it runs whatever shell the image ships.
set -eu

BOOTSTRAP="${HARK_BOOTSTRAP_SERVERS:-kafka:19092}"
PARTITIONS="${HARK_PARTITIONS:-3}"
REPLICATION="${HARK_REPLICATION:-1}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"

case "$PARTITIONS" in
  ''|*[!0-9]*|0) echo "create-topics: HARK_PARTITIONS must be a positive integer, got '$PARTITIONS'" >&2; exit 2 ;;
esac

# Wait for the broker (compose already waits for its healthcheck; this also covers manual runs).
tries=0
until "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "create-topics: broker $BOOTSTRAP not reachable after 60 tries" >&2
    exit 1
  fi
  echo "create-topics: waiting for $BOOTSTRAP ..."
  sleep 2
done

# topic NAME PARTITIONS CONFIGS   (CONFIGS: comma-separated key=value list)
topic() {
  name="$1"; parts="$2"; configs="$3"
  set -- --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
         --topic "$name" --partitions "$parts" --replication-factor "$REPLICATION"
  old_ifs="$IFS"; IFS=','
  for kv in $configs; do set -- "$@" --config "$kv"; done
  IFS="$old_ifs"
  "$BIN/kafka-topics.sh" "$@"
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter \
      --entity-type topics --entity-name "$name" --add-config "$configs" >/dev/null
  echo "create-topics: $name ready ($configs)"
}

DAY=86400000
WEEK=604800000
THIRTY_DAYS=2592000000
MODEL_BYTES=20971520   # 20 MiB: an ONNX model travels as one record

topic audio.chunks        "$PARTITIONS" "cleanup.policy=delete,retention.ms=$DAY"
topic audio.clips         "$PARTITIONS" "cleanup.policy=delete,retention.ms=$WEEK"
topic audio.clips.labeled "$PARTITIONS" "cleanup.policy=delete,retention.ms=-1,retention.bytes=-1"
topic audio.features      "$PARTITIONS" "cleanup.policy=delete,retention.ms=$WEEK"
topic audio.predictions   "$PARTITIONS" "cleanup.policy=delete,retention.ms=$WEEK"
topic models              1             "cleanup.policy=delete,retention.ms=-1,retention.bytes=-1,max.message.bytes=$MODEL_BYTES"
topic audio.dlq           "$PARTITIONS" "cleanup.policy=delete,retention.ms=$THIRTY_DAYS"

echo "create-topics: done"
"$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe \
    --topic 'audio\..*|models' 2>/dev/null | grep -v 'Partition: ' || true
