// NCCL all-reduce over message sizes across every visible GPU (one process, ncclCommInitAll). NCCL is
// loaded with dlopen (libnccl.so.2) so the harness builds without it; with one GPU or no NCCL the family
// is skipped with a note. Timing: host wall clock around `inner` grouped all-reduces until every stream
// is idle, as nccl-tests does.
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "common.h"
#include "dynlib.h"

namespace {
typedef struct NcclComm* ncclComm_t;
typedef int ncclResult_t;  // 0 = ncclSuccess
constexpr int ncclBfloat16 = 9;
constexpr int ncclSum = 0;

struct NcclApi {
  ncclResult_t (*commInitAll)(ncclComm_t*, int, const int*);
  ncclResult_t (*commDestroy)(ncclComm_t);
  ncclResult_t (*allReduce)(const void*, void*, size_t, int, int, ncclComm_t, cudaStream_t);
  ncclResult_t (*groupStart)();
  ncclResult_t (*groupEnd)();
  ncclResult_t (*getVersion)(int*);
  const char* (*getErrorString)(ncclResult_t);
};
}  // namespace

void runAllReduce(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, const Options& o, Results& res) {
  (void)dev;
  if (plan.allReduce.empty()) return;
  int n = 0;
  cudaGetDeviceCount(&n);
  if (n < 2) {
    res.note("all-reduce skipped: " + std::to_string(n) + " GPU visible (needs 2 or more)");
    return;
  }
  std::string tried;
  const char* env = std::getenv("HARNESS_NCCL");
  void* lib = openFirst({o.ncclPath, env ? env : "", "libnccl.so.2", "libnccl.so"}, tried);
  if (lib == nullptr) {
    res.note("all-reduce skipped: NCCL not found (" + tried + "); set HARNESS_NCCL or LD_LIBRARY_PATH");
    return;
  }
  NcclApi api{};
  std::string missing;
  resolve(lib, "ncclCommInitAll", api.commInitAll, missing);
  resolve(lib, "ncclCommDestroy", api.commDestroy, missing);
  resolve(lib, "ncclAllReduce", api.allReduce, missing);
  resolve(lib, "ncclGroupStart", api.groupStart, missing);
  resolve(lib, "ncclGroupEnd", api.groupEnd, missing);
  resolve(lib, "ncclGetVersion", api.getVersion, missing);
  resolve(lib, "ncclGetErrorString", api.getErrorString, missing);
  if (!missing.empty()) {
    res.note("all-reduce skipped: NCCL lacks " + missing);
    return;
  }
  int version = 0;
  api.getVersion(&version);
  std::vector<ncclComm_t> comms(n);
  std::vector<int> devs(n);
  for (int i = 0; i < n; i++) devs[i] = i;
  if (ncclResult_t r = api.commInitAll(comms.data(), n, devs.data()); r != 0) {
    res.note(std::string("all-reduce skipped: ncclCommInitAll: ") + api.getErrorString(r));
    return;
  }
  std::vector<cudaStream_t> streams(n);
  for (int i = 0; i < n; i++) {
    cudaSetDevice(i);
    cudaStreamCreate(&streams[i]);
  }
  for (const auto& a : plan.allReduce) {
    std::vector<void*> send(n, nullptr), recv(n, nullptr);
    const size_t count = static_cast<size_t>(a.bytes) / 2;  // bf16 elements
    try {
      for (int i = 0; i < n; i++) {
        CUDA_CHECK(cudaSetDevice(i));
        CUDA_CHECK(cudaMalloc(&send[i], a.bytes));
        CUDA_CHECK(cudaMalloc(&recv[i], a.bytes));
        CUDA_CHECK(cudaMemset(send[i], 0, a.bytes));
      }
      auto once = [&](int inner) {
        for (int it = 0; it < inner; it++) {
          api.groupStart();
          for (int i = 0; i < n; i++) {
            if (ncclResult_t r = api.allReduce(send[i], recv[i], count, ncclBfloat16, ncclSum, comms[i], streams[i]); r != 0) {
              throw std::runtime_error(std::string("ncclAllReduce: ") + api.getErrorString(r));
            }
          }
          api.groupEnd();
        }
        for (int i = 0; i < n; i++) {
          cudaSetDevice(i);
          CUDA_CHECK(cudaStreamSynchronize(streams[i]));
        }
      };
      auto wall = [&](int inner) {
        const auto t0 = std::chrono::steady_clock::now();
        once(inner);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      };
      double estimate = 0;
      for (int w = 0; w < std::max(1, t.warmup); w++) estimate = wall(1);
      const int inner = innerIterations(estimate, 0.01, 200);
      std::vector<double> samples;
      for (int r = 0; r < t.repeats; r++) samples.push_back(wall(inner) / inner);
      const Summary sm = summarize(samples);
      if (sm.median > 0) {
        Json j;
        j.beginObject().field("gpus", n).field("bytes", a.bytes).field("dtype", a.dtype).field("medianSec", sm.median);
        j.field("repeats", sm.n).field("busBytesPerSec", a.bytes / sm.median * (2.0 * (n - 1) / n)).endObject();
        res.allReduce.push_back(j.str());
      }
    } catch (const std::exception& e) {
      res.note("all-reduce " + std::to_string(a.bytes) + " B skipped: " + e.what());
      cudaGetLastError();
    }
    for (int i = 0; i < n; i++) {
      cudaSetDevice(i);
      cudaFree(send[i]);
      cudaFree(recv[i]);
    }
  }
  for (int i = 0; i < n; i++) {
    cudaSetDevice(i);
    cudaStreamDestroy(streams[i]);
    api.commDestroy(comms[i]);
  }
  cudaSetDevice(dev.index);
  res.note("all-reduce: NCCL " + std::to_string(version) + ", " + std::to_string(n) + " GPUs in one process, bf16 sum, host wall clock per call");
}
