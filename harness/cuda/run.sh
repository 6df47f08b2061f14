#!/usr/bin/env bash
# Builds and runs the servesim CUDA microbenchmark harness; writes the harness JSON (docs/harness.md).
#
#   harness/cuda/run.sh [--quick] [--out FILE] [--only F,..] [--skip F,..] [--no-numa] [--no-power-caps]
#                       [--caps W1,W2] [--device N] [-- harness args]
#     families: gemm,gemv,bandwidth,attention,transfer,allreduce,power
#   harness/cuda/run.sh --plan [--quick] [--cc 9.0]     # the planned sweep as JSON, no GPU needed
#   harness/cuda/run.sh --dry-run [--quick]             # a result document with nothing measured, no GPU needed
#
# Steps: build (build.sh) → host↔device copies once per NUMA node under `numactl --membind=N
# --cpunodebind=N` (when numactl exists) → GEMM, GEMV, bandwidth, attention, all-reduce → power under
# each `nvidia-smi -pl` cap (when root and the driver allows; the limit in force before is restored, also
# on failure) → power at that limit, writing one document that merges the partial runs. Other arguments
# go to the harness binary (see `build/servesim-harness --help`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmdline="harness/cuda/run.sh $*"

quick=() out="" mode="" numa=1 caps_enabled=1 caps="" device=0 pass=() only="" skipuser=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --out) out="$2"; shift ;;
    --out=*) out="${1#*=}" ;;
    --plan|--dry-run) mode="$1" ;;
    --only) only="$2"; shift ;;
    --skip) skipuser="$2"; shift ;;
    --no-numa) numa=0 ;;
    --no-power-caps) caps_enabled=0 ;;
    --caps) caps="$2"; shift ;;
    --device) device="$2"; pass+=(--device "$2"); shift ;;
    --help|-h) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; pass+=("$@"); break ;;
    *) pass+=("$1") ;;
  esac
  shift
done

"$here/build.sh" >&2
bin="${HARNESS_BUILD_DIR:-$here/build}/servesim-harness"

if [ -n "$mode" ]; then
  exec "$bin" "$mode" "${quick[@]}" ${out:+--out "$out"} "${pass[@]}"
fi

all_families="gemm gemv bandwidth attention transfer allreduce power"
wanted() {  # wanted FAMILY: in --only (when given) and not in --skip
  local f="$1"
  if [ -n "$only" ] && [[ ",$only," != *",$f,"* ]]; then return 1; fi
  [[ ",$skipuser," != *",$f,"* ]]
}

command -v nvidia-smi >/dev/null 2>&1 || { echo "run.sh: nvidia-smi not found: no NVIDIA driver here (use --plan or --dry-run)" >&2; exit 3; }
nvidia-smi -L >/dev/null 2>&1 || { echo "run.sh: nvidia-smi sees no GPU" >&2; exit 3; }
export CUDA_DEVICE_ORDER=PCI_BUS_ID  # CUDA's device numbers = nvidia-smi's

# cuBLASLt and NCCL are dlopen'ed: make the toolkit's and pip wheels' copies findable.
libdirs=()
for d in "${CUDA_HOME:-/usr/local/cuda}/lib64" "${CUDA_HOME:-/usr/local/cuda}/targets/x86_64-linux/lib"; do [ -d "$d" ] && libdirs+=("$d"); done
if command -v python3 >/dev/null 2>&1; then
  while IFS= read -r d; do [ -n "$d" ] && [ -d "$d" ] && libdirs+=("$d"); done < <(python3 - <<'PY' 2>/dev/null || true
import importlib.util, os
for name in ("nvidia.cublas", "nvidia.nccl", "nvidia.cu13", "nvidia.cu12"):
    try:
        spec = importlib.util.find_spec(name)
    except Exception:
        continue
    for root in (spec.submodule_search_locations or []) if spec else []:
        print(os.path.join(root, "lib"))
PY
)
fi
if [ "${#libdirs[@]}" -gt 0 ]; then
  joined="$(IFS=:; echo "${libdirs[*]}")"
  export LD_LIBRARY_PATH="$joined${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

tmp="$(mktemp -d)"
restore_pl=""
cleanup() {
  if [ -n "$restore_pl" ]; then nvidia-smi -i "$device" -pl "$restore_pl" >/dev/null 2>&1 || echo "run.sh: could not restore the power limit to $restore_pl W" >&2; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
merge=() notes=() done_families=()

# 1. Host↔device copies per NUMA node.
if wanted transfer; then
  if [ "$numa" = 1 ] && command -v numactl >/dev/null 2>&1; then
    nodes="$(numactl --hardware 2>/dev/null | sed -n 's/^node \([0-9][0-9]*\) cpus:.*/\1/p' | tr '\n' ' ')"
    for node in $nodes; do
      echo "== host transfers, NUMA node $node" >&2
      if numactl --membind="$node" --cpunodebind="$node" "$bin" "${quick[@]}" "${pass[@]}" --only transfer --numa-node "$node" --fragment "$tmp/transfer-$node.jsonl"; then
        merge+=(--merge "$tmp/transfer-$node.jsonl")
      else
        notes+=(--note "host transfers on NUMA node $node failed (numactl --membind=$node)")
      fi
    done
    [ -n "$nodes" ] && done_families+=(transfer)
  else
    notes+=(--note "host transfers not bound to a NUMA node ($([ "$numa" = 0 ] && echo '--no-numa given' || echo 'numactl not installed')); numaNode is null")
  fi
fi

# 2. GEMM, GEMV, bandwidth, attention, all-reduce (and transfers when not done per node).
main=()
for f in $all_families; do
  [ "$f" = power ] && continue
  [[ " ${done_families[*]:-} " == *" $f "* ]] && continue
  wanted "$f" && main+=("$f")
done
if [ "${#main[@]}" -gt 0 ]; then
  "$bin" "${quick[@]}" "${pass[@]}" --only "$(IFS=,; echo "${main[*]}")" --fragment "$tmp/main.jsonl" && merge+=(--merge "$tmp/main.jsonl")
fi

# 3. Power: the last call samples at the limit in force; before it, one run per nvidia-smi -pl cap.
if wanted power && [ "$caps_enabled" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    notes+=(--note "power caps skipped: run.sh is not root (nvidia-smi -pl needs root)")
  else
    limits="$(nvidia-smi -i "$device" --query-gpu=power.default_limit,power.min_limit,power.max_limit,power.limit --format=csv,noheader,nounits 2>/dev/null | head -n1 | tr -d ' ')"
    IFS=, read -r def min max current <<<"$limits" || true
    if ! [[ "${def%.*}" =~ ^[0-9]+$ && "${min%.*}" =~ ^[0-9]+$ ]]; then
      notes+=(--note "power caps skipped: the driver reports no power limits ($limits)")
    else
      def="${def%.*}" min="${min%.*}" current="${current%.*}"
      if [ -z "$caps" ]; then
        if [ "${#quick[@]}" -gt 0 ]; then fractions="75"; else fractions="90 75 60"; fi
        for f in $fractions; do
          c=$(( def * f / 100 )); [ "$c" -lt "$min" ] && c="$min"
          caps="${caps:+$caps,}$c"
        done
      fi
      for cap in ${caps//,/ }; do
        if out_pl="$(nvidia-smi -i "$device" -pl "$cap" 2>&1)"; then
          restore_pl="${current:-$def}"
          echo "== power under a ${cap} W cap" >&2
          "$bin" "${quick[@]}" "${pass[@]}" --only power --cap-watts "$cap" --fragment "$tmp/power-$cap.jsonl" && merge+=(--merge "$tmp/power-$cap.jsonl")
        else
          notes+=(--note "power caps skipped: nvidia-smi -pl $cap refused: $(echo "$out_pl" | tr '\n' ' ' | cut -c1-200)")
          break
        fi
      done
      if [ -n "$restore_pl" ]; then
        nvidia-smi -i "$device" -pl "$restore_pl" >/dev/null 2>&1 && restore_pl=""
      fi
    fi
  fi
fi

# 4. The document: power at the limit in force (when wanted), merging every partial run.
if [ -n "$out" ]; then mkdir -p "$(dirname "$out")"; fi
last=none
wanted power && last=power
"$bin" "${quick[@]}" "${pass[@]}" --only "$last" "${merge[@]}" "${notes[@]}" --command "$cmdline" ${out:+--out "$out"}
