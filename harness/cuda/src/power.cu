// Power family: NVML samples of power, SM and memory clock, temperature and utilisation while a sustained
// GEMM load runs (cuBLASLt bf16 8192³ back to back; an FMA-loop kernel of our own when cuBLASLt is
// missing). run.sh repeats this family under `nvidia-smi -pl` caps when it may and passes --cap-watts.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common.h"

namespace {
constexpr int kFmaIters = 4096;

/** 2 FLOPs per FMA, kFmaIters × 8 FMAs per thread; the result is stored so nothing is elided. */
__global__ void fmaLoad(float* out, float seed) {
  float a = seed + threadIdx.x, b = 1.0001f, c = 0.9999f, d = 0.5f, e = 0.25f, f = 0.125f, g = 0.0625f, h = 2.f;
  for (int i = 0; i < kFmaIters; i++) {
    a = fmaf(a, b, c); b = fmaf(b, c, d); c = fmaf(c, d, e); d = fmaf(d, e, f);
    e = fmaf(e, f, g); f = fmaf(f, g, h); g = fmaf(g, h, a); h = fmaf(h, a, b);
  }
  out[blockIdx.x * blockDim.x + threadIdx.x] = a + b + c + d + e + f + g + h;
}

struct Sample {
  double t;
  NvmlSample s;
};
}  // namespace

void runPower(const Plan& plan, const DeviceInfo& dev, const Options& o, Results& res) {
  if (plan.power.empty()) return;
  std::string why;
  if (!nvmlOpen(dev.index, why)) {
    res.note("power skipped: " + why);
    return;
  }
  const double enforced = nvmlEnforcedPowerLimitW();
  for (const auto& item : plan.power) {
    const double duration = o.powerSeconds ? *o.powerSeconds : item.durationSec;
    cudaStream_t st;
    CUDA_CHECK(cudaStreamCreate(&st));
    GemmLoad load;
    try {
      load = makeGemmLoad(o, 8192, st);
    } catch (const std::exception& e) {
      res.note(std::string("power: cuBLASLt load unavailable (") + e.what() + "), using the FMA loop");
      cudaGetLastError();
    }
    float* sink = nullptr;
    const int blocks = dev.prop.multiProcessorCount * 8, threads = 256;
    if (load.flopsPerCall == 0) {
      CUDA_CHECK(cudaMalloc(&sink, size_t(blocks) * threads * sizeof(float)));
      load.flopsPerCall = 2.0 * 8 * kFmaIters * double(blocks) * threads;
      load.label = "fma-loop fp32 (own kernel; cuBLASLt unavailable)";
      load.step = [=](int count) {
        for (int i = 0; i < count; i++) fmaLoad<<<blocks, threads, 0, st>>>(sink, 1.f + i);
      };
    }
    std::vector<Sample> samples;
    std::mutex mu;
    std::atomic<bool> stop{false};
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    std::thread sampler([&] {
      while (!stop.load()) {
        NvmlSample s;
        if (nvmlSample(s)) {
          std::lock_guard<std::mutex> g(mu);
          samples.push_back({elapsed(), s});
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(item.sampleIntervalSec));
      }
    });
    double calls = 0;
    std::string failure;
    try {
      while (elapsed() < duration) {
        load.step(4);
        CUDA_CHECK(cudaStreamSynchronize(st));
        calls += 4;
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
    const double ran = elapsed();
    stop = true;
    sampler.join();
    if (load.release) load.release();
    if (sink) cudaFree(sink);
    cudaStreamDestroy(st);
    if (!failure.empty() || samples.empty()) {
      res.note("power run skipped: " + (failure.empty() ? std::string("no NVML samples") : failure));
      continue;
    }
    double pw = 0, clk = 0, tmax = -1e9;
    Json j;
    j.beginObject().key("capWatts");
    if (o.capWatts) j.value(*o.capWatts);
    else j.null();
    j.field("load", load.label).field("durationSec", ran);
    j.key("samples").beginArray();
    for (const auto& s : samples) {
      j.beginObject().field("tSec", s.t).field("powerW", s.s.powerW).field("smClockMHz", s.s.smClockMHz);
      if (s.s.memClockMHz >= 0) j.field("memClockMHz", s.s.memClockMHz);
      j.field("temperatureC", s.s.temperatureC);
      if (s.s.utilizationPct >= 0) j.field("utilizationPct", s.s.utilizationPct);
      j.endObject();
      pw += s.s.powerW;
      clk += s.s.smClockMHz;
      tmax = std::max(tmax, s.s.temperatureC);
    }
    j.endArray();
    j.field("avgPowerW", pw / samples.size()).field("avgSmClockMHz", clk / samples.size()).field("maxTemperatureC", tmax);
    j.field("achievedTflops", calls * load.flopsPerCall / ran / 1e12).endObject();
    res.power.push_back(j.str());
    char buf[200];
    std::snprintf(buf, sizeof buf, "power: %zu NVML samples over %.1f s of %s; enforced power limit %.0f W%s", samples.size(), ran,
                  load.label.c_str(), enforced, o.capWatts ? " (cap set by run.sh)" : " (default)");
    res.note(buf);
  }
}
