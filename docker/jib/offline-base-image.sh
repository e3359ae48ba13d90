#!/usr/bin/env bash
# Builds a Java 17 base image for Jib WITHOUT a registry or a Docker daemon: a jlink'ed runtime of the
# JDK on this machine plus the shared libraries it (and ONNX Runtime, RocksDB, PyTorch) needs, copied
# from this machine, saved as a `docker save`-format tarball that Jib reads with `tar://`.
#
#   docker/jib/offline-base-image.sh [OUT.tar]          (default: target/jib-base/hark-jre-base.tar)
#   ./mvnw -B -o -Pjib -pl feature-stream -am package -DskipTests -Djib.from.image=tar://$PWD/target/jib-base/hark-jre-base.tar
#
# CI uses it because CI has no network beyond Maven Central, so `eclipse-temurin:17-jre` (the profile's
# default base) cannot be pulled there. The result is a real, runnable x86-64 Linux image (glibc from
# this Debian host), smaller than the Temurin one; for releases, prefer the registry base image.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-target/jib-base/hark-jre-base.tar}"
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
JLINK="$JAVA_HOME/bin/jlink"
[ -x "$JLINK" ] || { echo "offline-base-image: no jlink in $JAVA_HOME (a JDK with jmods is needed)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/tmp" "$root/etc" "$root/opt"
chmod 1777 "$root/tmp"

# Modules: Kafka clients/Streams (management, naming, SASL/GSSAPI, EC crypto), the JDK HTTP server
# (/metrics), java.net.http (registry client), java.desktop (javax.sound for WAV, ImageIO for reports),
# java.sql + java.xml (Avro, Jackson, Logback), jdk.unsupported (Unsafe: Kafka, ONNX Runtime, DJL).
"$JLINK" --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.unsupported,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$root/opt/java"

# every shared library the runtime links, plus the C++ runtime and OpenMP the native ML libraries need
libs() {
  find "$root/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 | xargs -0 ldd 2>/dev/null \
    | awk '/=> \//{print $3} /^\s*\/lib/{print $1}'
  for extra in libstdc++.so.6 libgcc_s.so.1 libgomp.so.1 libz.so.1 libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
    for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
      [ -e "$d/$extra" ] && echo "$d/$extra" && break
    done
  done
  echo /lib64/ld-linux-x86-64.so.2
}
for lib in $(libs | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
# /lib and /lib64 are symlinks on merged-/usr Debian; keep both spellings working
if [ -d "$root/usr/lib/x86_64-linux-gnu" ] && [ ! -e "$root/lib/x86_64-linux-gnu" ]; then
  mkdir -p "$root/lib"; ln -s ../usr/lib/x86_64-linux-gnu "$root/lib/x86_64-linux-gnu"
fi
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"

# docker-save layout: manifest.json, the config, one uncompressed layer
mkdir -p "$work/image"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2020-01-01 00:00Z' -C "$root" -cf "$work/image/layer.tar" .
diff_id="sha256:$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)"
cat > "$work/image/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/opt/java/bin:/usr/local/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"]},"rootfs":{"type":"layers","diff_ids":["$diff_id"]},"history":[{"created_by":"hark docker/jib/offline-base-image.sh: jlink of $(basename "$JAVA_HOME") + host glibc"}]}
JSON
echo '[{"Config":"config.json","RepoTags":["hark/jre-base:17-offline"],"Layers":["layer.tar"]}]' > "$work/image/manifest.json"
mkdir -p "$(dirname "$OUT")"
tar -C "$work/image" -cf "$OUT" manifest.json config.json layer.tar
echo "offline-base-image: $OUT ($(du -h "$OUT" | cut -f1); runtime $("$root/opt/java/bin/java" -version 2>&1 | head -1))" >&2
