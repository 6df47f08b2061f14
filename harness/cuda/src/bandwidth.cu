// Memory bandwidth family: STREAM-style copy / triad / read kernels over float4 arrays, and a
// weight-streaming GEMV (y = W·x, bf16) of each transformer layer shape — the memory-bound half of decode.
#include <cuda_bf16.h>

#include <string>
#include <vector>

#include "common.h"

namespace {

__global__ void copyKernel(const float4* __restrict__ a, float4* __restrict__ b, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) b[i] = a[i];
}

__global__ void triadKernel(float4* __restrict__ a, const float4* __restrict__ b, const float4* __restrict__ c, float s, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const float4 x = b[i], y = c[i];
    a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
  }
}

/** Each thread sums its elements; one float per thread is written so the loads cannot be elided. */
__global__ void readKernel(const float4* __restrict__ a, float* __restrict__ out, size_t n) {
  float4 s = make_float4(0, 0, 0, 0);
  const size_t tid = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  for (size_t i = tid; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const float4 x = a[i];
    s.x += x.x; s.y += x.y; s.z += x.z; s.w += x.w;
  }
  out[tid] = s.x + s.y + s.z + s.w;
}

__global__ void setKernel(float4* a, size_t n, float v) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) a[i] = make_float4(v, v, v, v);
}

/**
 * GEMV, bf16 weights, fp32 accumulation: one warp per output row, 16-byte loads (8 bf16) strided across the
 * row, warp-shuffle reduction. k must be a multiple of 8.
 */
__global__ void gemvKernel(const __nv_bfloat16* __restrict__ W, const __nv_bfloat16* __restrict__ x, __nv_bfloat16* __restrict__ y, int n, int k) {
  const int warp = (blockIdx.x * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (warp >= n) return;
  const uint4* row = reinterpret_cast<const uint4*>(W + size_t(warp) * k);
  const uint4* xv = reinterpret_cast<const uint4*>(x);
  float s = 0;
  for (int j = lane; j < k / 8; j += 32) {
    const uint4 wv = row[j], v = xv[j];
    const __nv_bfloat162* w2 = reinterpret_cast<const __nv_bfloat162*>(&wv);
    const __nv_bfloat162* x2 = reinterpret_cast<const __nv_bfloat162*>(&v);
#pragma unroll
    for (int e = 0; e < 4; e++) {
      const float2 a = __bfloat1622float2(w2[e]), b = __bfloat1622float2(x2[e]);
      s += a.x * b.x + a.y * b.y;
    }
  }
#pragma unroll
  for (int off = 16; off > 0; off /= 2) s += __shfl_xor_sync(0xffffffffu, s, off);
  if (lane == 0) y[warp] = __float2bfloat16(s);
}

__global__ void fillBf16(__nv_bfloat16* p, size_t n, float scale) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    p[i] = __float2bfloat16(scale * (static_cast<float>((i * 2654435761u) % 2001) / 1000.0f - 1.0f));
  }
}

int streamBlocks(const DeviceInfo& dev, size_t n) {
  const size_t want = (n + 255) / 256;
  const size_t cap = size_t(dev.prop.multiProcessorCount) * 16;
  return static_cast<int>(want < cap ? want : cap);
}

std::string bwPoint(const std::string& kind, int64_t bytes, const Summary& s, const std::string& dtype) {
  Json j;
  j.beginObject().field("kind", kind).field("bytes", bytes).field("medianSec", s.median).field("repeats", s.n);
  j.field("bytesPerSec", bytes / s.median).field("dtype", dtype).endObject();
  return j.str();
}

}  // namespace

void runBandwidth(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, Results& res) {
  cudaStream_t s;
  CUDA_CHECK(cudaStreamCreate(&s));
  int skippedMem = 0;
  for (const auto& b : plan.bandwidth) {
    if (b.kind == "gemv") continue;
    const size_t bytes = static_cast<size_t>(b.arrayBytes), n = bytes / 16;
    const int arrays = b.kind == "triad" ? 3 : b.kind == "copy" ? 2 : 1;
    size_t freeB = 0, totalB = 0;
    cudaMemGetInfo(&freeB, &totalB);
    if (arrays * bytes + (64u << 20) > freeB * 8 / 10) {
      skippedMem++;
      continue;
    }
    float4 *a = nullptr, *bb = nullptr, *c = nullptr;
    float* out = nullptr;
    try {
      const int blocks = streamBlocks(dev, n);
      CUDA_CHECK(cudaMalloc(&a, bytes));
      setKernel<<<blocks, 256, 0, s>>>(a, n, 1.0f);
      if (arrays >= 2) {
        CUDA_CHECK(cudaMalloc(&bb, bytes));
        setKernel<<<blocks, 256, 0, s>>>(bb, n, 2.0f);
      }
      if (arrays >= 3) {
        CUDA_CHECK(cudaMalloc(&c, bytes));
        setKernel<<<blocks, 256, 0, s>>>(c, n, 0.5f);
      }
      CUDA_CHECK(cudaMalloc(&out, size_t(blocks) * 256 * sizeof(float)));
      auto samples = timeRepeats(
          [&](int inner) {
            for (int i = 0; i < inner; i++) {
              if (b.kind == "copy") copyKernel<<<blocks, 256, 0, s>>>(a, bb, n);
              else if (b.kind == "triad") triadKernel<<<blocks, 256, 0, s>>>(a, bb, c, 3.0f, n);
              else readKernel<<<blocks, 256, 0, s>>>(a, out, n);
            }
            CUDA_CHECK(cudaGetLastError());
          },
          s, t);
      const Summary sm = summarize(samples);
      if (sm.median > 0) res.bandwidth.push_back(bwPoint(b.kind, b.bytes, sm, b.dtype));
    } catch (const std::exception& e) {
      res.note("bandwidth " + b.kind + " " + std::to_string(b.arrayBytes) + " B skipped: " + e.what());
      cudaGetLastError();
    }
    cudaFree(a);
    cudaFree(bb);
    cudaFree(c);
    cudaFree(out);
  }
  cudaStreamDestroy(s);
  if (skippedMem) res.note("bandwidth: " + std::to_string(skippedMem) + " size(s) skipped: not enough free device memory");
  res.note("bandwidth: float4 grid-stride kernels, up to 16 blocks of 256 threads per SM; bytes count reads + writes; arrays smaller than L2 measure L2, not HBM");
}

void runGemv(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, Results& res) {
  cudaStream_t s;
  CUDA_CHECK(cudaStreamCreate(&s));
  bool checked = false;
  for (const auto& b : plan.bandwidth) {
    if (b.kind != "gemv") continue;
    if (b.k % 8 != 0) {
      res.note("gemv " + b.op + " skipped: k not a multiple of 8");
      continue;
    }
    const size_t wBytes = size_t(b.n) * b.k * 2;
    size_t freeB = 0, totalB = 0;
    cudaMemGetInfo(&freeB, &totalB);
    if (wBytes + (64u << 20) > freeB * 8 / 10) {
      res.note("gemv " + b.op + " skipped: not enough free device memory");
      continue;
    }
    const int copies = rotationCopies(wBytes, dev.l2Bytes, freeB);
    std::vector<__nv_bfloat16*> Ws(copies, nullptr);
    __nv_bfloat16 *x = nullptr, *y = nullptr;
    try {
      for (auto& w : Ws) {
        CUDA_CHECK(cudaMalloc(&w, wBytes));
        fillBf16<<<1024, 256, 0, s>>>(w, size_t(b.n) * b.k, 0.05f);
      }
      CUDA_CHECK(cudaMalloc(&x, size_t(b.k) * 2));
      CUDA_CHECK(cudaMalloc(&y, size_t(b.n) * 2));
      fillBf16<<<64, 256, 0, s>>>(x, b.k, 1.0f);
      const int blocks = static_cast<int>((int64_t(b.n) * 32 + 255) / 256);
      if (!checked) {
        // Spot check against the host: row 0 and the last row.
        gemvKernel<<<blocks, 256, 0, s>>>(Ws[0], x, y, int(b.n), int(b.k));
        CUDA_CHECK(cudaStreamSynchronize(s));
        std::vector<__nv_bfloat16> hw(size_t(b.k)), hx(size_t(b.k)), hy(size_t(b.n));
        CUDA_CHECK(cudaMemcpy(hx.data(), x, size_t(b.k) * 2, cudaMemcpyDeviceToHost));
        CUDA_CHECK(cudaMemcpy(hy.data(), y, size_t(b.n) * 2, cudaMemcpyDeviceToHost));
        double worst = 0;
        for (int64_t r : {int64_t(0), b.n - 1}) {
          CUDA_CHECK(cudaMemcpy(hw.data(), Ws[0] + size_t(r) * b.k, size_t(b.k) * 2, cudaMemcpyDeviceToHost));
          double ref = 0;
          for (int64_t j = 0; j < b.k; j++) ref += double(__bfloat162float(hw[j])) * __bfloat162float(hx[j]);
          const double got = __bfloat162float(hy[r]);
          const double e = std::abs(got - ref) / (0.01 + std::abs(ref) / 64);
          if (e > worst) worst = e;
        }
        char buf[120];
        std::snprintf(buf, sizeof buf, "self-check gemv bf16 %lldx%lld: worst scaled error %.3g of 1", (long long)b.n, (long long)b.k, worst);
        if (worst > 1) {
          res.note(std::string(buf) + " — FAILED, gemv not measured");
          for (auto w : Ws) cudaFree(w);
          cudaFree(x);
          cudaFree(y);
          break;
        }
        res.note(buf);
        checked = true;
      }
      int next = 0;
      auto samples = timeRepeats(
          [&](int inner) {
            for (int i = 0; i < inner; i++) {
              gemvKernel<<<blocks, 256, 0, s>>>(Ws[next], x, y, int(b.n), int(b.k));
              next = (next + 1) % copies;
            }
            CUDA_CHECK(cudaGetLastError());
          },
          s, t);
      const Summary sm = summarize(samples);
      if (sm.median > 0) res.bandwidth.push_back(bwPoint("gemv", b.bytes, sm, b.dtype));
    } catch (const std::exception& e) {
      res.note("gemv " + b.op + " skipped: " + e.what());
      cudaGetLastError();
    }
    for (auto w : Ws) cudaFree(w);
    cudaFree(x);
    cudaFree(y);
  }
  cudaStreamDestroy(s);
  res.note("gemv: own kernel (one warp per row, 16-byte loads, bf16 weights, fp32 accumulation); weights rotate through copies exceeding 3x L2");
}
