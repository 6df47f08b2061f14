#!/usr/bin/env bash
# Builds the CUDA harness: harness/cuda/build/servesim-harness (or $HARNESS_BUILD_DIR).
#   Architecture: $HARNESS_ARCH (sm_90, compute_80 for PTX only, …), else the first GPU's compute capability
#   from nvidia-smi, else sm_80 (+ PTX, which the driver JIT-compiles for newer GPUs).
#   Needs only nvcc and the CUDA runtime: cuBLASLt, NCCL and NVML are loaded at run time with dlopen.
#   Sources compile in parallel (one job per core); an unchanged build is reused.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${HARNESS_BUILD_DIR:-$here/build}"
nvcc="${NVCC:-nvcc}"
if ! command -v "$nvcc" >/dev/null 2>&1; then
  for c in /usr/local/cuda/bin/nvcc /opt/cuda/bin/nvcc; do [ -x "$c" ] && nvcc="$c" && break; done
fi
command -v "$nvcc" >/dev/null 2>&1 || { echo "build.sh: nvcc not found (install the CUDA toolkit or set NVCC)" >&2; exit 127; }

arch="${HARNESS_ARCH:-}"
if [ -z "$arch" ] && command -v nvidia-smi >/dev/null 2>&1; then
  cc="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n1 | tr -d ' .' || true)"
  [[ "$cc" =~ ^[0-9]+$ ]] && arch="sm_$cc"
fi
arch="${arch:-sm_80}"
num="${arch#*_}"
case "$arch" in
  sm_*) gencode="-gencode arch=compute_${num},code=[sm_${num},compute_${num}]" ;;
  compute_*) gencode="-gencode arch=compute_${num},code=compute_${num}" ;;
  *) echo "build.sh: HARNESS_ARCH must look like sm_90 or compute_80, got $arch" >&2; exit 2 ;;
esac

flags="-std=c++17 -O3 -lineinfo -Wno-deprecated-gpu-targets $gencode ${HARNESS_NVCC_FLAGS:-}"
mkdir -p "$out/obj"
stamp="$out/obj/flags"
bin="$out/servesim-harness"
# Largest first: the long compiles start early and the two cores stay busy.
mapfile -t srcs < <(ls -S "$here"/src/*.cu "$here"/src/*.cpp)
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$flags" ]; then
  fresh=1
  for s in "${srcs[@]}" "$here"/src/*.h "$here/build.sh"; do [ "$s" -nt "$bin" ] && fresh=0 && break; done
  if [ "$fresh" = 1 ]; then echo "$bin (up to date, $arch)"; exit 0; fi
fi
echo "$flags" > "$stamp"
jobs="$(nproc 2>/dev/null || echo 2)"
pids=()
for s in "${srcs[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.2; done
  # shellcheck disable=SC2086
  "$nvcc" $flags -I"$here/src" -c "$s" -o "$out/obj/$(basename "$s").o" &
  pids+=("$!")
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ "$fail" = 0 ] || { echo "build.sh: compilation failed" >&2; exit 1; }
# shellcheck disable=SC2086
"$nvcc" $flags "$out"/obj/*.o -o "$bin" -ldl -lpthread
echo "$bin ($arch)"
