// Attention family: the harness's own tiled attention kernel (no FlashAttention dependency), bf16 in and
// out, fp32 softmax and accumulation, causal, grouped-query. Prefill runs over chunk × prior context, decode
// over batch × context. Results are labelled kernel "servesim-tiled-splitkv-bf16": a straightforward kernel,
// slower than FlashAttention — the calibrator must treat it as an upper bound on attention time, not as
// what a tuned engine achieves.
//
// Layouts: Q [B, Tq, H, D]; K, V [B, C + Tq, Hkv, D] (prior context first, then the chunk's own keys);
// O like Q. Query token i (0-based in the chunk) sees keys 0 … C + i.
//
// Work split: a block of 128 threads owns 32 "rows" = (query token, query head) pairs that share one KV head
// (grouped-query heads are processed together so K/V tiles are loaded once for the group); 4 threads per
// row each hold D/4 dimensions. K/V tiles of 64 keys go through shared memory. The key range may be split
// across blocks (split-KV, as flash-decoding does) when there are too few rows to fill the GPU; a second
// kernel then merges the partial softmax states.
#include <cuda_bf16.h>

#include <cmath>
#include <string>
#include <vector>

#include "common.h"

namespace {

constexpr int kRows = 32;          // rows per block
constexpr int kThreadsPerRow = 4;  // threads sharing one row's head dimension
constexpr int kThreads = kRows * kThreadsPerRow;
constexpr int kKeys = 64;          // keys per shared-memory tile
constexpr int kGroup = 8;          // keys scored together before one softmax rescale
constexpr float kLog2e = 1.4426950408889634f;

struct AttnArgs {
  const __nv_bfloat16* Q;
  const __nv_bfloat16* K;
  const __nv_bfloat16* V;
  __nv_bfloat16* O;    // final output (splits == 1)
  float* partAcc;      // [B, Tq, H, splits, D] unnormalised (splits > 1)
  float* partML;       // [B, Tq, H, splits, 2] running max (log2 domain) and sum
  int B, Tq, C, H, Hkv, splits, keysPerSplit;
  float scaleLog2;     // softmax scale · log2(e)
  bool causal;
};

template <int D>
__global__ void __launch_bounds__(kThreads) attnKernel(AttnArgs a) {
  constexpr int DT = D / kThreadsPerRow;  // dims per thread
  __shared__ __align__(16) __nv_bfloat16 Ks[kKeys][D];
  __shared__ __align__(16) __nv_bfloat16 Vs[kKeys][D];

  const int G = a.H / a.Hkv;
  const int rowsPerKv = a.Tq * G;
  const int kvh = blockIdx.y / a.splits;
  const int split = blockIdx.y % a.splits;
  const int b = blockIdx.z;
  const int T = a.C + a.Tq;

  const int localRow = threadIdx.x / kThreadsPerRow;
  const int part = threadIdx.x % kThreadsPerRow;
  const int row = blockIdx.x * kRows + localRow;
  const bool rowValid = row < rowsPerKv;
  const int qi = rowValid ? row / G : 0;
  const int h = kvh * G + (rowValid ? row % G : 0);
  const int keyLimit = rowValid ? (a.causal ? a.C + qi + 1 : T) : 0;  // exclusive

  float q[DT], acc[DT];
  const size_t qOff = ((size_t(b) * a.Tq + qi) * a.H + h) * D + part * DT;
#pragma unroll
  for (int d = 0; d < DT; d++) {
    q[d] = rowValid ? __bfloat162float(a.Q[qOff + d]) * a.scaleLog2 : 0.f;
    acc[d] = 0.f;
  }
  float m = -INFINITY, l = 0.f;

  const int kBegin = split * a.keysPerSplit;
  const int kEnd = min(T, kBegin + a.keysPerSplit);
  // The block's largest key limit: later tiles are masked for every row, skip them.
  const int lastRow = min(rowsPerKv, (int)(blockIdx.x + 1) * kRows) - 1;
  const int blockLimit = a.causal ? min(T, a.C + lastRow / G + 1) : T;
  const int kStop = min(kEnd, blockLimit);

  for (int j0 = kBegin; j0 < kStop; j0 += kKeys) {
    const int nt = min(kKeys, kStop - j0);
    __syncthreads();
    // Cooperative load of nt keys × D dims of K and V (16-byte vectors).
    constexpr int VEC = 8;
    for (int e = threadIdx.x; e < nt * (D / VEC); e += kThreads) {
      const int kk = e / (D / VEC), dv = e % (D / VEC);
      const size_t off = ((size_t(b) * T + j0 + kk) * a.Hkv + kvh) * D + dv * VEC;
      *reinterpret_cast<uint4*>(&Ks[kk][dv * VEC]) = *reinterpret_cast<const uint4*>(a.K + off);
      *reinterpret_cast<uint4*>(&Vs[kk][dv * VEC]) = *reinterpret_cast<const uint4*>(a.V + off);
    }
    __syncthreads();

    // Keys in groups of kGroup: scores, the group's max, one rescale of the running state, accumulate.
#pragma unroll 1
    for (int g0 = 0; g0 < nt; g0 += kGroup) {
      float sc[kGroup];
      float groupMax = -INFINITY;
#pragma unroll
      for (int kk = 0; kk < kGroup; kk++) {
        const int key = g0 + kk;
        float s = 0.f;
        if (key < nt) {
#pragma unroll
          for (int d = 0; d < DT; d++) s += q[d] * __bfloat162float(Ks[key][part * DT + d]);
        }
        // All 32 lanes take part in the shuffles; the 4 threads of a row are adjacent lanes.
        s += __shfl_xor_sync(0xffffffffu, s, 1);
        s += __shfl_xor_sync(0xffffffffu, s, 2);
        sc[kk] = key < nt && j0 + key < keyLimit ? s : -INFINITY;
        groupMax = fmaxf(groupMax, sc[kk]);
      }
      if (groupMax == -INFINITY) continue;  // nothing visible to this row in this group
      const float mNew = fmaxf(m, groupMax);
      const float corr = exp2f(m - mNew);  // m = -inf at first: 0
      l *= corr;
#pragma unroll
      for (int d = 0; d < DT; d++) acc[d] *= corr;
#pragma unroll
      for (int kk = 0; kk < kGroup; kk++) {
        const float p = exp2f(sc[kk] - mNew);  // masked: exp2(-inf) = 0
        l += p;
        if (p > 0.f) {
#pragma unroll
          for (int d = 0; d < DT; d++) acc[d] += p * __bfloat162float(Vs[g0 + kk][part * DT + d]);
        }
      }
      m = mNew;
    }
  }

  if (!rowValid) return;
  const size_t rowIdx = (size_t(b) * a.Tq + qi) * a.H + h;
  if (a.splits == 1) {
    const float inv = l > 0 ? 1.f / l : 0.f;
#pragma unroll
    for (int d = 0; d < DT; d++) a.O[rowIdx * D + part * DT + d] = __float2bfloat16(acc[d] * inv);
  } else {
    float* pa = a.partAcc + (rowIdx * a.splits + split) * D + part * DT;
#pragma unroll
    for (int d = 0; d < DT; d++) pa[d] = acc[d];
    if (part == 0) {
      a.partML[(rowIdx * a.splits + split) * 2] = m;
      a.partML[(rowIdx * a.splits + split) * 2 + 1] = l;
    }
  }
}

/** Merges split-KV partial states: one block per (b, qi, h), one thread per dimension. */
__global__ void combineKernel(const float* partAcc, const float* partML, __nv_bfloat16* O, int splits, int D) {
  const size_t rowIdx = blockIdx.x;
  float M = -INFINITY;
  for (int s = 0; s < splits; s++) {
    if (partML[(rowIdx * splits + s) * 2 + 1] > 0) M = fmaxf(M, partML[(rowIdx * splits + s) * 2]);
  }
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    float num = 0.f, den = 0.f;
    for (int s = 0; s < splits; s++) {
      const float l = partML[(rowIdx * splits + s) * 2 + 1];
      if (!(l > 0)) continue;
      const float w = exp2f(partML[(rowIdx * splits + s) * 2] - M);
      num += w * partAcc[(rowIdx * splits + s) * D + d];
      den += w * l;
    }
    O[rowIdx * D + d] = __float2bfloat16(den > 0 ? num / den : 0.f);
  }
}

__global__ void fillAttn(__nv_bfloat16* p, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t x = static_cast<uint32_t>(i) * 0x9E3779B1u ^ seed;
    x ^= x >> 15;
    x *= 0x2c1b3c6du;
    x ^= x >> 12;
    p[i] = __float2bfloat16((x & 0xffff) / 32768.0f - 1.0f);
  }
}

struct Shape {
  int B, Tq, C, H, Hkv, D;
  bool causal;
};

/** Device buffers of one attention problem plus the chosen split. */
struct AttnProblem {
  Shape s{};
  __nv_bfloat16 *Q = nullptr, *K = nullptr, *V = nullptr, *O = nullptr;
  float *partAcc = nullptr, *partML = nullptr;
  int splits = 1, keysPerSplit = 0;

  AttnProblem(const Shape& shape, int sms, int forceSplits = 0) : s(shape) {
    const int T = s.C + s.Tq;
    const size_t qn = size_t(s.B) * s.Tq * s.H * s.D, kvn = size_t(s.B) * T * s.Hkv * s.D;
    CUDA_CHECK(cudaMalloc(&Q, qn * 2));
    CUDA_CHECK(cudaMalloc(&K, kvn * 2));
    CUDA_CHECK(cudaMalloc(&V, kvn * 2));
    CUDA_CHECK(cudaMalloc(&O, qn * 2));
    const int rowTiles = (s.Tq * (s.H / s.Hkv) + kRows - 1) / kRows;
    const int64_t base = int64_t(rowTiles) * s.Hkv * s.B;
    int want = static_cast<int>((2LL * sms + base - 1) / base);
    const int maxSplits = std::max(1, std::min(64, (T + 127) / 128));
    splits = forceSplits > 0 ? forceSplits : std::max(1, std::min(want, maxSplits));
    keysPerSplit = ((T + splits - 1) / splits + kKeys - 1) / kKeys * kKeys;
    splits = (T + keysPerSplit - 1) / keysPerSplit;
    if (splits > 1) {
      CUDA_CHECK(cudaMalloc(&partAcc, qn / s.D * splits * s.D * sizeof(float)));
      CUDA_CHECK(cudaMalloc(&partML, qn / s.D * splits * 2 * sizeof(float)));
    }
  }
  ~AttnProblem() {
    cudaFree(Q);
    cudaFree(K);
    cudaFree(V);
    cudaFree(O);
    cudaFree(partAcc);
    cudaFree(partML);
  }
  void fillInputs(cudaStream_t st) {
    const int T = s.C + s.Tq;
    fillAttn<<<256, 256, 0, st>>>(Q, size_t(s.B) * s.Tq * s.H * s.D, 1);
    fillAttn<<<256, 256, 0, st>>>(K, size_t(s.B) * T * s.Hkv * s.D, 2);
    fillAttn<<<256, 256, 0, st>>>(V, size_t(s.B) * T * s.Hkv * s.D, 3);
    CUDA_CHECK(cudaGetLastError());
  }
  void run(cudaStream_t st) {
    AttnArgs a{Q, K, V, O, partAcc, partML, s.B, s.Tq, s.C, s.H, s.Hkv, splits, keysPerSplit,
               static_cast<float>(kLog2e / std::sqrt(double(s.D))), s.causal};
    const dim3 grid((s.Tq * (s.H / s.Hkv) + kRows - 1) / kRows, s.Hkv * splits, s.B);
    switch (s.D) {
      case 64: attnKernel<64><<<grid, kThreads, 0, st>>>(a); break;
      case 128: attnKernel<128><<<grid, kThreads, 0, st>>>(a); break;
      default: throw std::runtime_error("head dim " + std::to_string(s.D) + " not supported (64, 128)");
    }
    if (splits > 1) combineKernel<<<s.B * s.Tq * s.H, s.D, 0, st>>>(partAcc, partML, O, splits, s.D);
    CUDA_CHECK(cudaGetLastError());
  }
};

/** CPU reference on small shapes; returns the worst scaled error (≤ 1 passes). */
double checkAgainstHost(const Shape& s, int sms, int forceSplits) {
  AttnProblem p(s, sms, forceSplits);
  p.fillInputs(0);
  p.run(0);
  CUDA_CHECK(cudaDeviceSynchronize());
  const int T = s.C + s.Tq;
  const size_t qn = size_t(s.B) * s.Tq * s.H * s.D, kvn = size_t(s.B) * T * s.Hkv * s.D;
  std::vector<__nv_bfloat16> q(qn), k(kvn), v(kvn), o(qn);
  CUDA_CHECK(cudaMemcpy(q.data(), p.Q, qn * 2, cudaMemcpyDeviceToHost));
  CUDA_CHECK(cudaMemcpy(k.data(), p.K, kvn * 2, cudaMemcpyDeviceToHost));
  CUDA_CHECK(cudaMemcpy(v.data(), p.V, kvn * 2, cudaMemcpyDeviceToHost));
  CUDA_CHECK(cudaMemcpy(o.data(), p.O, qn * 2, cudaMemcpyDeviceToHost));
  const int G = s.H / s.Hkv;
  const double scale = 1.0 / std::sqrt(double(s.D));
  double worst = 0;
  std::vector<double> sc(T);
  for (int b = 0; b < s.B; b++) {
    for (int i = 0; i < s.Tq; i++) {
      for (int h = 0; h < s.H; h++) {
        const int kvh = h / G, nKeys = s.causal ? s.C + i + 1 : T;
        const size_t qb = ((size_t(b) * s.Tq + i) * s.H + h) * s.D;
        double mx = -INFINITY;
        for (int j = 0; j < nKeys; j++) {
          const size_t kb = ((size_t(b) * T + j) * s.Hkv + kvh) * s.D;
          double dot = 0;
          for (int d = 0; d < s.D; d++) dot += double(__bfloat162float(q[qb + d])) * __bfloat162float(k[kb + d]);
          sc[j] = dot * scale;
          mx = std::max(mx, sc[j]);
        }
        double sum = 0;
        for (int j = 0; j < nKeys; j++) sum += (sc[j] = std::exp(sc[j] - mx));
        for (int d = 0; d < s.D; d++) {
          double acc = 0;
          for (int j = 0; j < nKeys; j++) acc += sc[j] * __bfloat162float(v[((size_t(b) * T + j) * s.Hkv + kvh) * s.D + d]);
          const double ref = acc / sum, got = __bfloat162float(o[qb + d]);
          worst = std::max(worst, std::abs(got - ref) / (0.01 + std::abs(ref) / 64));  // bf16 output rounding
        }
      }
    }
  }
  return worst;
}

}  // namespace

void runAttention(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, Results& res) {
  if (plan.attention.empty()) return;
  const int sms = dev.prop.multiProcessorCount;
  // Self-check: prefill with context (several row tiles, GQA), decode forced through split-KV, both head dims.
  const std::vector<std::pair<Shape, int>> checks = {
      {{2, 37, 70, 8, 2, 128, true}, 1},
      {{3, 1, 300, 8, 2, 128, true}, 3},
      {{1, 20, 5, 4, 4, 64, true}, 0},
      {{2, 9, 130, 6, 2, 64, true}, 2},
  };
  double worst = 0;
  try {
    for (const auto& c : checks) worst = std::max(worst, checkAgainstHost(c.first, sms, c.second));
  } catch (const std::exception& e) {
    res.note(std::string("attention skipped: self-check could not run: ") + e.what());
    cudaGetLastError();
    return;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "self-check attention: %zu shapes vs a CPU reference, worst scaled error %.3g of 1", checks.size(), worst);
  if (!(worst <= 1)) {
    res.note(std::string(buf) + " — FAILED, attention not measured");
    return;
  }
  res.note(buf);
  cudaStream_t st;
  CUDA_CHECK(cudaStreamCreate(&st));
  for (const auto& a : plan.attention) {
    const Shape s{a.batch, a.queryTokens, a.contextTokens, a.numHeads, a.numKvHeads, a.headDim, a.causal};
    try {
      size_t freeB = 0, totalB = 0;
      cudaMemGetInfo(&freeB, &totalB);
      if (static_cast<size_t>(a.kvBytes) * 2 + (256u << 20) > freeB * 8 / 10) {
        res.note("attention " + a.phase + " b=" + std::to_string(a.batch) + " c=" + std::to_string(a.contextTokens) + " skipped: not enough free memory");
        continue;
      }
      AttnProblem p(s, sms);
      p.fillInputs(st);
      auto samples = timeRepeats(
          [&](int inner) {
            for (int i = 0; i < inner; i++) p.run(st);
          },
          st, t);
      const Summary sm = summarize(samples);
      if (sm.median > 0) {
        Json j;
        j.beginObject().field("phase", a.phase).field("batch", a.batch).field("queryTokens", a.queryTokens);
        j.field("contextTokens", a.contextTokens).field("numHeads", a.numHeads).field("numKvHeads", a.numKvHeads);
        j.field("headDim", a.headDim).field("dtype", "bf16").field("causal", a.causal).field("medianSec", sm.median);
        j.field("repeats", sm.n).field("kernel", "servesim-tiled-splitkv-bf16").endObject();
        res.attention.push_back(j.str());
      }
    } catch (const std::exception& e) {
      res.note("attention " + a.phase + " b=" + std::to_string(a.batch) + " q=" + std::to_string(a.queryTokens) + " c=" +
               std::to_string(a.contextTokens) + " skipped: " + e.what());
      cudaGetLastError();
    }
  }
  cudaStreamDestroy(st);
  res.note("attention: kernel servesim-tiled-splitkv-bf16 is the harness's own (32 rows x 64-key tiles, online softmax, split-KV for small batches); expect it slower than FlashAttention");
}
