// GEMM family: cuBLASLt matmuls of transformer linear-layer shapes, across token counts and precisions.
// Layout as in an inference engine: Y[tokens × n] = X[tokens × k] · Wᵀ, W stored n × k row-major. In
// cuBLASLt's column-major terms that is D(n × tokens) = op(A)(n × k) · B(k × tokens) with A = W transposed
// ("TN"), the layout fp8 and int8 kernels require.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "cublaslt_api.h"
#include "dynlib.h"

namespace {

lt::Api api;
lt::Handle handle = nullptr;
bool loaded = false, loadTried = false;
std::string loadWhy;
std::string libVersion;

bool loadLt(const Options& o) {
  if (loadTried) return loaded;
  loadTried = true;
  int rt = 0;
  cudaRuntimeGetVersion(&rt);
  const std::string major = std::to_string(rt / 1000);
  const char* env = std::getenv("HARNESS_CUBLASLT");
  std::string tried;
  void* lib = openFirst({o.cublasLtPath, env ? env : "", "libcublasLt.so." + major, "libcublasLt.so.13", "libcublasLt.so.12",
                         "libcublasLt.so.11", "libcublasLt.so"},
                        tried);
  if (lib == nullptr) {
    loadWhy = "cuBLASLt not found (" + tried + "); set HARNESS_CUBLASLT or LD_LIBRARY_PATH";
    return false;
  }
  std::string missing;
  resolve(lib, "cublasLtCreate", api.create, missing);
  resolve(lib, "cublasLtDestroy", api.destroy, missing);
  resolve(lib, "cublasLtGetVersion", api.getVersion, missing);
  resolve(lib, "cublasLtMatmulDescCreate", api.descCreate, missing);
  resolve(lib, "cublasLtMatmulDescDestroy", api.descDestroy, missing);
  resolve(lib, "cublasLtMatmulDescSetAttribute", api.descSetAttribute, missing);
  resolve(lib, "cublasLtMatrixLayoutCreate", api.layoutCreate, missing);
  resolve(lib, "cublasLtMatrixLayoutDestroy", api.layoutDestroy, missing);
  resolve(lib, "cublasLtMatmulPreferenceCreate", api.prefCreate, missing);
  resolve(lib, "cublasLtMatmulPreferenceDestroy", api.prefDestroy, missing);
  resolve(lib, "cublasLtMatmulPreferenceSetAttribute", api.prefSetAttribute, missing);
  resolve(lib, "cublasLtMatmulAlgoGetHeuristic", api.algoGetHeuristic, missing);
  resolve(lib, "cublasLtMatmul", api.matmul, missing);
  if (!missing.empty()) {
    loadWhy = "cuBLASLt lacks " + missing;
    return false;
  }
  if (api.create(&handle) != 0) {
    loadWhy = "cublasLtCreate failed";
    return false;
  }
  libVersion = std::to_string(api.getVersion());
  loaded = true;
  return true;
}

struct DtypeInfo {
  cudaDataType in, out;
  int compute;
  cudaDataType scale;
  int inBytes, outBytes;
};

bool dtypeInfo(const std::string& d, DtypeInfo& i) {
  if (d == "bf16") i = {CUDA_R_16BF, CUDA_R_16BF, lt::COMPUTE_32F, CUDA_R_32F, 2, 2};
  else if (d == "fp16") i = {CUDA_R_16F, CUDA_R_16F, lt::COMPUTE_32F, CUDA_R_32F, 2, 2};
  else if (d == "fp8") i = {CUDA_R_8F_E4M3, CUDA_R_16BF, lt::COMPUTE_32F, CUDA_R_32F, 1, 2};
  else if (d == "int8") i = {CUDA_R_8I, CUDA_R_32I, lt::COMPUTE_32I, CUDA_R_32I, 1, 4};
  else return false;
  return true;
}

__device__ __forceinline__ uint32_t hash32(uint64_t i, uint32_t seed) {
  uint32_t x = static_cast<uint32_t>(i) * 0x9E3779B1u ^ static_cast<uint32_t>(i >> 32) ^ seed;
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/** Small pseudo-random values: [-1, 1) for floating types, integers in [-8, 8] for int8. */
__global__ void fillKernel(void* p, size_t n, int kind, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const uint32_t h = hash32(i, seed);
    const float f = (h & 0xffff) / 32768.0f - 1.0f;
    switch (kind) {
      case 0: static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16(f); break;
      case 1: static_cast<__half*>(p)[i] = __float2half(f); break;
      case 2: static_cast<__nv_fp8_e4m3*>(p)[i] = __nv_fp8_e4m3(f); break;
      case 3: static_cast<int8_t*>(p)[i] = static_cast<int8_t>(static_cast<int>(h % 17) - 8); break;
    }
  }
}

int fillKind(const std::string& d) { return d == "bf16" ? 0 : d == "fp16" ? 1 : d == "fp8" ? 2 : 3; }

void fill(void* p, size_t n, const std::string& dtype, uint32_t seed, cudaStream_t s) {
  fillKernel<<<1024, 256, 0, s>>>(p, n, fillKind(dtype), seed);
  CUDA_CHECK(cudaGetLastError());
}

__device__ float loadAsFloat(const void* p, size_t i, int kind) {
  switch (kind) {
    case 0: return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case 1: return __half2float(static_cast<const __half*>(p)[i]);
    case 2: return static_cast<float>(static_cast<const __nv_fp8_e4m3*>(p)[i]);
    default: return static_cast<float>(static_cast<const int8_t*>(p)[i]);
  }
}

/** Reference: Y[i][j] = Σ X[i][kk]·W[j][kk] in fp32 (exact for the int8 test sizes). */
__global__ void refGemmKernel(const void* X, const void* W, float* Y, int m, int n, int k, int kind) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  const int i = blockIdx.y;
  if (j >= n) return;
  float s = 0;
  for (int kk = 0; kk < k; kk++) s += loadAsFloat(X, size_t(i) * k + kk, kind) * loadAsFloat(W, size_t(j) * k + kk, kind);
  Y[size_t(i) * n + j] = s;
}

__global__ void outToFloatKernel(const void* D, float* out, size_t count, int outKind) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x) {
    if (outKind == 0) out[i] = __bfloat162float(static_cast<const __nv_bfloat16*>(D)[i]);
    else if (outKind == 1) out[i] = __half2float(static_cast<const __half*>(D)[i]);
    else out[i] = static_cast<float>(static_cast<const int32_t*>(D)[i]);
  }
}

/** One planned matmul shape: descriptors, the heuristic's algorithm, a workspace. */
class LtGemm {
 public:
  LtGemm(const std::string& dtype, int64_t m, int64_t n, int64_t k) : m_(m), n_(n), k_(k) {
    try {
      init(dtype);
    } catch (...) {
      release();
      throw;
    }
  }
  ~LtGemm() { release(); }
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  /** D = X · Wᵀ on `stream`. */
  void run(const void* W, const void* X, void* D, cudaStream_t stream) {
    const float fa = 1.0f, fb = 0.0f;
    const int32_t ia = 1, ib = 0;
    const bool i32 = info_.scale == CUDA_R_32I;
    const lt::Status st = api.matmul(handle, desc_, i32 ? static_cast<const void*>(&ia) : &fa, W, a_, X, b_,
                                     i32 ? static_cast<const void*>(&ib) : &fb, D, d_, D, d_, &algo_, workspace_, kWorkspace, stream);
    if (st != 0) throw std::runtime_error("cublasLtMatmul failed (status " + std::to_string(st) + ")");
  }
  bool fastAccum() const { return fastAccum_; }

 private:
  void init(const std::string& dtype) {
    if (!dtypeInfo(dtype, info_)) throw std::runtime_error("unknown dtype " + dtype);
    if (api.descCreate(&desc_, info_.compute, info_.scale) != 0) throw std::runtime_error("cublasLtMatmulDescCreate failed");
    const int32_t ta = lt::OP_T, tb = lt::OP_N;
    api.descSetAttribute(desc_, lt::DESC_TRANSA, &ta, sizeof ta);
    api.descSetAttribute(desc_, lt::DESC_TRANSB, &tb, sizeof tb);
    if (dtype == "fp8") {
      const int8_t fast = 1;  // fp8 fast accumulation, as TensorRT-LLM / vLLM use it
      fastAccum_ = api.descSetAttribute(desc_, lt::DESC_FAST_ACCUM, &fast, sizeof fast) == 0;
    }
    // Column-major: A = W (k × n, ld k, transposed), B = X (k × m, ld k), C = D (n × m, ld n).
    if (api.layoutCreate(&a_, info_.in, k_, n_, k_) != 0 || api.layoutCreate(&b_, info_.in, k_, m_, k_) != 0 ||
        api.layoutCreate(&d_, info_.out, n_, m_, n_) != 0) {
      throw std::runtime_error("cublasLtMatrixLayoutCreate failed");
    }
    lt::Preference pref = nullptr;
    api.prefCreate(&pref);
    const uint64_t ws = kWorkspace;
    api.prefSetAttribute(pref, lt::PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    // Room for more than one result in case the library's struct is larger than declared here.
    alignas(64) static unsigned char results[16 * 1024];
    int returned = 0;
    const lt::Status st = api.algoGetHeuristic(handle, desc_, a_, b_, d_, d_, pref, 1, reinterpret_cast<lt::HeuristicResult*>(results), &returned);
    api.prefDestroy(pref);
    if (st != 0 || returned < 1) {
      throw std::runtime_error("no cuBLASLt algorithm (status " + std::to_string(st) + ")");
    }
    algo_ = reinterpret_cast<lt::HeuristicResult*>(results)->algo;
    CUDA_CHECK(cudaMalloc(&workspace_, kWorkspace));
  }
  void release() {
    if (workspace_) cudaFree(workspace_);
    if (a_) api.layoutDestroy(a_);
    if (b_) api.layoutDestroy(b_);
    if (d_) api.layoutDestroy(d_);
    if (desc_) api.descDestroy(desc_);
    workspace_ = nullptr;
    a_ = b_ = d_ = nullptr;
    desc_ = nullptr;
  }

  static constexpr size_t kWorkspace = 32u << 20;
  int64_t m_, n_, k_;
  DtypeInfo info_{};
  lt::MatmulDesc desc_ = nullptr;
  lt::MatrixLayout a_ = nullptr, b_ = nullptr, d_ = nullptr;
  lt::Algo algo_{};
  void* workspace_ = nullptr;
  bool fastAccum_ = false;
};

/** Checks one precision on a small awkward shape against the reference kernel. */
bool checkDtype(const std::string& dtype, std::string& detail) {
  const int m = 24, n = 160, k = 272;
  DtypeInfo info{};
  dtypeInfo(dtype, info);
  void *W = nullptr, *X = nullptr, *D = nullptr;
  float *ref = nullptr, *got = nullptr;
  bool ok = false;
  try {
    LtGemm g(dtype, m, n, k);
    CUDA_CHECK(cudaMalloc(&W, size_t(n) * k * info.inBytes));
    CUDA_CHECK(cudaMalloc(&X, size_t(m) * k * info.inBytes));
    CUDA_CHECK(cudaMalloc(&D, size_t(m) * n * info.outBytes));
    CUDA_CHECK(cudaMalloc(&ref, size_t(m) * n * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&got, size_t(m) * n * sizeof(float)));
    fill(W, size_t(n) * k, dtype, 11, 0);
    fill(X, size_t(m) * k, dtype, 12, 0);
    g.run(W, X, D, 0);
    refGemmKernel<<<dim3((n + 127) / 128, m), 128>>>(X, W, ref, m, n, k, fillKind(dtype));
    const int outKind = info.out == CUDA_R_16BF ? 0 : info.out == CUDA_R_16F ? 1 : 2;
    outToFloatKernel<<<64, 256>>>(D, got, size_t(m) * n, outKind);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<float> hr(size_t(m) * n), hg(size_t(m) * n);
    CUDA_CHECK(cudaMemcpy(hr.data(), ref, hr.size() * 4, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(hg.data(), got, hg.size() * 4, cudaMemcpyDeviceToHost));
    // Output rounding: bf16 has 8 bits of mantissa (2^-8 relative); sums of k terms in [-1, 1).
    const double atol = dtype == "int8" ? 0 : 0.05 * std::sqrt(double(k)) / 4, rtol = dtype == "int8" ? 0 : 1.0 / 64;
    double worst = 0;
    for (size_t i = 0; i < hr.size(); i++) {
      const double diff = std::fabs(double(hg[i]) - hr[i]);
      if (diff == 0) continue;
      const double e = diff / (atol + rtol * std::fabs(hr[i]));
      if (!(e <= worst)) worst = std::isnan(e) ? INFINITY : e;
    }
    ok = worst <= 1;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s %dx%dx%d worst scaled error %.3g of 1%s", dtype.c_str(), m, n, k, worst,
                  g.fastAccum() ? " (fp8 fast accumulation)" : "");
    detail = buf;
  } catch (const std::exception& e) {
    detail = dtype + ": " + e.what();
  }
  cudaFree(W);
  cudaFree(X);
  cudaFree(D);
  cudaFree(ref);
  cudaFree(got);
  cudaGetLastError();
  return ok;
}

}  // namespace

bool cublasLtAvailable(const Options& o, std::string& why) {
  if (!loadLt(o)) {
    why = loadWhy;
    return false;
  }
  return true;
}

void runGemm(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, const Options& o, Results& res) {
  if (plan.gemm.empty()) return;
  std::string why;
  if (!cublasLtAvailable(o, why)) {
    res.note("gemm skipped: " + why);
    return;
  }
  res.note("gemm: cuBLASLt " + libVersion + ", heuristic's first algorithm, 32 MiB workspace, TN layout (Y = X·Wᵀ), fp32 accumulation (int32 for int8; fp8 e4m3 inputs with bf16 output)");
  std::vector<std::string> dtypes;
  for (const auto& g : plan.gemm) {
    if (std::find(dtypes.begin(), dtypes.end(), g.dtype) == dtypes.end()) dtypes.push_back(g.dtype);
  }
  std::vector<std::string> good;
  for (const auto& d : dtypes) {
    std::string detail;
    if (checkDtype(d, detail)) {
      good.push_back(d);
      res.note("self-check gemm " + detail);
    } else {
      res.note("self-check gemm FAILED, " + d + " not measured: " + detail);
    }
  }
  cudaStream_t s;
  CUDA_CHECK(cudaStreamCreate(&s));
  int skippedMem = 0, skippedAlgo = 0;
  for (const auto& g : plan.gemm) {
    if (std::find(good.begin(), good.end(), g.dtype) == good.end()) continue;
    DtypeInfo info{};
    dtypeInfo(g.dtype, info);
    const size_t wBytes = size_t(g.n) * g.k * info.inBytes, xBytes = size_t(g.m) * g.k * info.inBytes,
                 dBytes = size_t(g.m) * g.n * info.outBytes;
    size_t freeB = 0, totalB = 0;
    cudaMemGetInfo(&freeB, &totalB);
    const size_t setBytes = wBytes + xBytes + dBytes;
    if (setBytes + (64u << 20) > freeB * 8 / 10) {
      skippedMem++;
      continue;
    }
    const int copies = rotationCopies(setBytes, dev.l2Bytes, freeB);
    std::vector<void*> Ws(copies), Xs(copies), Ds(copies);
    try {
      LtGemm gemm(g.dtype, g.m, g.n, g.k);
      for (int c = 0; c < copies; c++) {
        CUDA_CHECK(cudaMalloc(&Ws[c], wBytes));
        CUDA_CHECK(cudaMalloc(&Xs[c], xBytes));
        CUDA_CHECK(cudaMalloc(&Ds[c], dBytes));
        fill(Ws[c], size_t(g.n) * g.k, g.dtype, 100 + c, s);
        fill(Xs[c], size_t(g.m) * g.k, g.dtype, 200 + c, s);
      }
      int next = 0;
      auto samples = timeRepeats(
          [&](int inner) {
            for (int i = 0; i < inner; i++) {
              gemm.run(Ws[next], Xs[next], Ds[next], s);
              next = (next + 1) % copies;
            }
          },
          s, t);
      const Summary sm = summarize(samples);
      if (sm.median > 0 && sm.p10 > 0) {
        Json j;
        j.beginObject().field("dtype", g.dtype).field("m", g.m).field("n", g.n).field("k", g.k);
        j.field("medianSec", sm.median).field("p10Sec", sm.p10).field("p90Sec", sm.p90).field("repeats", sm.n);
        j.field("tflops", g.flops / sm.median / 1e12).field("op", g.op).endObject();
        res.gemm.push_back(j.str());
      }
    } catch (const std::exception& e) {
      const std::string msg = e.what();
      if (msg.find("no cuBLASLt algorithm") != std::string::npos) skippedAlgo++;
      else res.note("gemm " + g.dtype + " " + g.op + " m=" + std::to_string(g.m) + " skipped: " + msg);
      cudaGetLastError();
    }
    for (int c = 0; c < copies; c++) {
      cudaFree(Ws[c]);
      cudaFree(Xs[c]);
      cudaFree(Ds[c]);
    }
  }
  cudaStreamDestroy(s);
  if (skippedMem) res.note("gemm: " + std::to_string(skippedMem) + " shape(s) skipped: not enough free device memory");
  if (skippedAlgo) res.note("gemm: " + std::to_string(skippedAlgo) + " shape(s) skipped: cuBLASLt offered no algorithm (e.g. int8/fp8 alignment)");
  res.note("gemm: inputs rotate through enough copies to exceed 3x L2 (" + std::to_string(dev.l2Bytes >> 20) + " MiB), so weights are read from HBM as in a forward pass");
}

GemmLoad makeGemmLoad(const Options& o, int size, cudaStream_t stream) {
  GemmLoad load;
  std::string why;
  if (!cublasLtAvailable(o, why)) return load;
  auto gemm = std::make_shared<LtGemm>("bf16", size, size, size);
  const size_t bytes = size_t(size) * size * 2;
  void *W = nullptr, *X = nullptr, *D = nullptr;
  CUDA_CHECK(cudaMalloc(&W, bytes));
  CUDA_CHECK(cudaMalloc(&X, bytes));
  CUDA_CHECK(cudaMalloc(&D, bytes));
  fill(W, size_t(size) * size, "bf16", 1, stream);
  fill(X, size_t(size) * size, "bf16", 2, stream);
  load.flopsPerCall = 2.0 * size * size * size;
  load.label = "gemm bf16 " + std::to_string(size) + "x" + std::to_string(size) + "x" + std::to_string(size) + " loop (cuBLASLt)";
  load.step = [gemm, W, X, D, stream](int count) {
    for (int i = 0; i < count; i++) gemm->run(W, X, D, stream);
  };
  load.release = [gemm, W, X, D]() mutable {
    cudaFree(W);
    cudaFree(X);
    cudaFree(D);
    gemm.reset();
  };
  return load;
}
