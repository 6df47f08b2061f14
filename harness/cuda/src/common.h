// Shared pieces of the CUDA harness: error checks, options, the result sink, event timing.
#pragma once
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "json.h"
#include "plan.h"
#include "stats.h"

#define HARNESS_VERSION "0.1.0"

/** Throws on a CUDA runtime error; the family being measured is then skipped with a note. */
#define CUDA_CHECK(call)                                                                       \
  do {                                                                                         \
    cudaError_t err_ = (call);                                                                 \
    if (err_ != cudaSuccess) {                                                                 \
      throw std::runtime_error(std::string(#call) + " failed: " + cudaGetErrorString(err_));  \
    }                                                                                          \
  } while (0)

struct Options {
  bool planOnly = false;
  bool dryRun = false;
  bool quick = false;
  std::string out;  // empty: stdout
  std::string cc;   // --cc for --plan / --dry-run; empty: the device's
  std::vector<Model> models;
  std::vector<int> tp;
  std::vector<std::string> only;  // families to run; empty: all
  std::vector<std::string> skip;
  std::optional<int> numaNode;
  std::optional<double> capWatts;
  std::string fragmentOut;            // write a fragment instead of a document
  std::vector<std::string> merge;     // fragments to merge into the document
  std::vector<std::string> notes;     // notes from run.sh
  std::optional<int> repeats, warmup;
  std::optional<double> powerSeconds;
  int device = 0;
  std::string command;
  std::string statsInput;  // --stats: print a summary of these numbers (test hook)
  std::string cublasLtPath, ncclPath;

  bool wants(const std::string& family) const {
    for (const auto& s : skip) if (s == family) return false;
    if (only.empty()) return true;
    for (const auto& s : only) if (s == family) return true;
    return false;
  }
};

/** Measured points, already serialised as JSON objects, per section of the result document. */
struct Results {
  std::vector<std::string> gemm, bandwidth, attention, hostTransfer, allReduce, power, notes;
  void note(const std::string& s) {
    std::fprintf(stderr, "note: %s\n", s.c_str());
    notes.push_back(Json::quote(s));
  }
  std::vector<std::string>* section(const std::string& name) {
    if (name == "gemm") return &gemm;
    if (name == "bandwidth") return &bandwidth;
    if (name == "attention") return &attention;
    if (name == "hostTransfer") return &hostTransfer;
    if (name == "allReduce") return &allReduce;
    if (name == "power") return &power;
    if (name == "notes") return &notes;
    return nullptr;
  }
};

/** What the families need to know about the device. */
struct DeviceInfo {
  int index = 0;
  cudaDeviceProp prop{};
  int cc = 0;  // major*10 + minor
  size_t l2Bytes = 0;
};

struct TimingParams {
  int warmup = 3;
  int repeats = 20;
  double minRepeatSeconds = 0.002;  // one timed repeat lasts at least this long (launch overhead amortised)
  int maxInner = 1000;
};

/**
 * Times `launch(inner)`, which must enqueue `inner` back-to-back executions on `stream`, with CUDA events.
 * Warm-ups run one execution each; the last one sizes `inner`. Returns seconds per execution, one sample
 * per repeat.
 */
inline std::vector<double> timeRepeats(const std::function<void(int)>& launch, cudaStream_t stream, const TimingParams& t) {
  cudaEvent_t a, b;
  CUDA_CHECK(cudaEventCreate(&a));
  CUDA_CHECK(cudaEventCreate(&b));
  float ms = 0;
  double estimate = 0;
  for (int i = 0; i < (t.warmup > 0 ? t.warmup : 1); i++) {
    CUDA_CHECK(cudaEventRecord(a, stream));
    launch(1);
    CUDA_CHECK(cudaEventRecord(b, stream));
    CUDA_CHECK(cudaEventSynchronize(b));
    CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    estimate = ms / 1e3;
  }
  const int inner = innerIterations(estimate, t.minRepeatSeconds, t.maxInner);
  std::vector<double> samples;
  for (int r = 0; r < t.repeats; r++) {
    CUDA_CHECK(cudaEventRecord(a, stream));
    launch(inner);
    CUDA_CHECK(cudaEventRecord(b, stream));
    CUDA_CHECK(cudaEventSynchronize(b));
    CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    samples.push_back(ms / 1e3 / inner);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return samples;
}

/** How many copies of a working set of `setBytes` to rotate through so that it does not sit in L2. */
inline int rotationCopies(size_t setBytes, size_t l2Bytes, size_t freeBytes) {
  if (setBytes == 0) return 1;
  size_t want = (3 * l2Bytes + setBytes - 1) / setBytes;
  if (want < 1) want = 1;
  if (want > 16) want = 16;
  while (want > 1 && want * setBytes > freeBytes / 2) want--;
  return static_cast<int>(want);
}

// Families (one file each). Each appends points and notes to `res`; none throws.
void runGemm(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, const Options& o, Results& res);
void runBandwidth(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, Results& res);
void runGemv(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, Results& res);
void runAttention(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, Results& res);
void runHostTransfer(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, const Options& o, Results& res);
void runAllReduce(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, const Options& o, Results& res);
void runPower(const Plan& plan, const DeviceInfo& dev, const Options& o, Results& res);

// Services other families use.
/** Loads cuBLASLt (dlopen) and checks it on a small GEMM; false with a reason when unusable. */
bool cublasLtAvailable(const Options& o, std::string& why);
/**
 * Starts a sustained bf16 GEMM load (cuBLASLt, m=n=k=size) on `stream`; `step()` enqueues `count` more GEMMs.
 * Returns the FLOPs of one GEMM, 0 when cuBLASLt is unusable.
 */
struct GemmLoad {
  std::function<void(int)> step;
  double flopsPerCall = 0;
  std::string label;
  std::function<void()> release;
};
GemmLoad makeGemmLoad(const Options& o, int size, cudaStream_t stream);

/** NVML through dlopen (libnvidia-ml.so.1 ships with the driver). */
struct NvmlSample {
  double powerW = 0, smClockMHz = 0, memClockMHz = 0, temperatureC = 0, utilizationPct = -1;
};
bool nvmlOpen(int cudaDevice, std::string& why);
bool nvmlSample(NvmlSample& s);
std::string nvmlDriverVersion();
double nvmlMaxSmClockMHz();
double nvmlEnforcedPowerLimitW();
